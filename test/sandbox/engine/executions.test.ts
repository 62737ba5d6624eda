import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxClock } from '../../../sandbox/clock';
import { ExecutionEngine, type ExecutionRecord } from '../../../sandbox/engine/executions';
import { JournaledRecords } from '../../../sandbox/store/json-file';
import type { LocalFunction } from '../../../workflows/local/local-execution';
import type { AslDefinition } from '../../../workflows/local/asl-definition';
import { LocalTaskTokens } from '../../../workflows/local/task-tokens';

/**
 * The sandbox's execution engine across restarts: a second engine on the same home stands for the
 * sandbox started again after the first one was stopped (or killed: everything is on disk as it goes).
 * The definition has the broker's shape in small: a task, a callback task with an approval window and a
 * timeout branch, a Wait until the grant's expiry, then the audit.
 */
const REGISTER = 'arn:aws:lambda:eu-west-1:111111111111:function:Register';
const NOTIFY = 'arn:aws:lambda:eu-west-1:111111111111:function:Notify';
const AUDIT = 'arn:aws:lambda:eu-west-1:111111111111:function:Audit';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:jit-elevation';
/** Approval window and grant, in sandbox seconds. */
const WINDOW_S = 300;
const GRANT_S = 60;
/** Sandbox time runs 60 times faster: the window passes in 5 real seconds, the grant in 1. */
const SCALE = 60;
/** How late (sandbox ms) a wait may end on a busy machine: two real seconds. */
const SLACK_MS = 2 * SCALE * 1000;

const DEFINITION: AslDefinition = {
  StartAt: 'Register',
  TimeoutSeconds: 7_200,
  States: {
    Register: { Type: 'Task', Resource: REGISTER, ResultPath: '$.registered', Next: 'AwaitApproval' },
    AwaitApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: NOTIFY, Payload: { 'taskToken.$': '$$.Task.Token', 'request.$': '$.request' } },
      TimeoutSeconds: WINDOW_S,
      ResultPath: '$.decision',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'ApprovalExpired' }],
      Next: 'WaitUntilExpiry',
    },
    WaitUntilExpiry: { Type: 'Wait', Seconds: GRANT_S, Next: 'Audit' },
    Audit: { Type: 'Task', Resource: AUDIT, ResultPath: '$.audit', Next: 'Audited' },
    Audited: { Type: 'Succeed' },
    ApprovalExpired: { Type: 'Fail', Error: 'ApprovalExpired', Cause: 'Nobody decided within the approval window.' },
  },
};

/** Every engine a test made: stopped before its home is removed, so that none writes into it again. */
const engines: ExecutionEngine[] = [];

class Sandbox {
  readonly calls: string[] = [];
  readonly tokens: LocalTaskTokens;
  readonly engine: ExecutionEngine;
  readonly finished: ExecutionRecord[] = [];

  constructor(home: string, clock: SandboxClock) {
    this.tokens = new LocalTaskTokens(() => clock.nowMs());
    const fn = (name: string): LocalFunction => async () => {
      this.calls.push(name);
      return { ok: name };
    };
    this.engine = new ExecutionEngine({
      home,
      definition: DEFINITION,
      stateMachineArn: STATE_MACHINE,
      functions: new Map([
        [REGISTER, fn('Register')],
        [NOTIFY, fn('Notify')],
        [AUDIT, fn('Audit')],
      ]),
      tokens: this.tokens,
      clock,
      onFinished: (record) => this.finished.push(record),
    });
    engines.push(this.engine);
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * An execution's record: while it runs, its file with the progress kept apart from it
 * (`executions-progress.json`, as the engine reads it back); its line in the archive of finished ones after.
 */
function saved(home: string, name: string): ExecutionRecord {
  const file = join(home, 'executions', `${name}.json`);
  if (existsSync(file)) {
    const record = JSON.parse(readFileSync(file, 'utf8')) as ExecutionRecord;
    const progress = new JournaledRecords<Partial<ExecutionRecord>>(join(home, 'executions-progress.json')).get()[name];
    return record.status === 'RUNNING' ? { ...record, ...progress } : record;
  }
  const archive = join(home, 'executions-finished.jsonl');
  const finished = existsSync(archive) ? readFileSync(archive, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ExecutionRecord) : [];
  const record = finished.find((r) => r.name === name);
  if (!record) throw new Error(`No execution ${name} in ${home}`);
  return record;
}

describe('Sandbox: executions continue after a restart', () => {
  let home: string;
  let clock: SandboxClock;
  let first: Sandbox;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'jit-engine-'));
    clock = SandboxClock.unpersisted(SCALE);
    first = new Sandbox(home, clock);
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    rmSync(home, { recursive: true, force: true });
  });

  it('continues a grant stopped while it was live: it waits out the rest of the grant, then audits', async () => {
    // Prepare: a request approved, its grant live (in WaitUntilExpiry), and the sandbox stopped.
    first.engine.start({ request: { requestId: 'req-live' } }, 'req-live');
    await until('the approval task', () => (saved(home, 'req-live').callbackInvoked ? true : undefined));
    first.tokens.sendTaskSuccess(saved(home, 'req-live').taskToken, JSON.stringify({ approved: true }));
    await until('the grant', () => (saved(home, 'req-live').current?.state === 'WaitUntilExpiry' ? true : undefined));
    await first.engine.stop();
    const enteredAt = Date.parse(saved(home, 'req-live').current?.enteredAt ?? '');

    // Act
    const second = new Sandbox(home, clock);
    const resumed = second.engine.resumeAll();
    await second.engine.settled();

    // Assess
    expect(resumed).toEqual({ resumed: ['req-live'], failed: [] });
    const record = saved(home, 'req-live');
    expect(record).toMatchObject({ status: 'SUCCEEDED', finalState: 'Audited', resumed: 1 });
    expect(record.path).toEqual(['Register', 'AwaitApproval', 'WaitUntilExpiry', 'Audit', 'Audited']);
    // The Wait counts from when it was first entered, not from the restart.
    expect(Date.parse(record.finishedAt ?? '')).toBeGreaterThanOrEqual(enteredAt + GRANT_S * 1000);
    expect(Date.parse(record.finishedAt ?? '')).toBeLessThan(enteredAt + GRANT_S * 1000 + SLACK_MS);
    expect(second.calls).toEqual(['Audit']);
  });

  it('keeps a pending request waiting on its own token after a restart, without notifying again, and expires it when its window ends', async () => {
    // Prepare: a request waiting for its approver, and the sandbox stopped.
    first.engine.start({ request: { requestId: 'req-pending' } }, 'req-pending');
    await until('the approval task', () => (saved(home, 'req-pending').callbackInvoked ? true : undefined));
    await first.engine.stop();
    const enteredAt = Date.parse(saved(home, 'req-pending').current?.enteredAt ?? '');

    // Act
    const second = new Sandbox(home, clock);
    second.engine.resumeAll();
    const token = saved(home, 'req-pending').taskToken;
    await until('the same token to be awaited again', () => (second.tokens.isWaiting(token) ? true : undefined));
    await second.engine.settled();

    // Assess
    const record = saved(home, 'req-pending');
    expect(record).toMatchObject({ status: 'FAILED', finalState: 'ApprovalExpired', error: 'ApprovalExpired' });
    expect(Date.parse(record.finishedAt ?? '')).toBeGreaterThanOrEqual(enteredAt + WINDOW_S * 1000);
    expect(Date.parse(record.finishedAt ?? '')).toBeLessThan(enteredAt + WINDOW_S * 1000 + SLACK_MS);
    expect(second.calls).toEqual([]);
  });

  it('records a state entered as a line of the progress journal, not by rewriting the file, and a start after a crash continues from it', async () => {
    // Prepare: a request waiting for its approver; the first sandbox is never stopped (killed).
    first.engine.start({ request: { requestId: 'req-crashed' } }, 'req-crashed');
    await until('the approval task', () => (saved(home, 'req-crashed').callbackInvoked ? true : undefined));
    const file = join(home, 'executions', 'req-crashed.json');

    // Act
    const second = new Sandbox(home, clock);
    const outcome = second.engine.resumeAll();

    // Assess: the file is the execution as it started; its progress is in the journal, and the second
    // sandbox continues in the approval task without notifying again.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ status: 'RUNNING', path: [] });
    expect(readFileSync(join(home, 'executions-progress.jsonl'), 'utf8')).toContain('"AwaitApproval"');
    expect(outcome).toEqual({ resumed: ['req-crashed'], failed: [] });
    expect(second.engine.list().find((r) => r.name === 'req-crashed')).toMatchObject({ current: { state: 'AwaitApproval' }, callbackInvoked: true, path: ['Register', 'AwaitApproval'], resumed: 1 });
    await until('the same token to be awaited again', () => (second.tokens.isWaiting(saved(home, 'req-crashed').taskToken) ? true : undefined));
    expect(second.calls).toEqual([]);
  });

  it('lets the approver answer the emailed link of a request after a restart', async () => {
    first.engine.start({ request: { requestId: 'req-answer' } }, 'req-answer');
    await until('the approval task', () => (saved(home, 'req-answer').callbackInvoked ? true : undefined));
    await first.engine.stop();

    const second = new Sandbox(home, clock);
    second.engine.resumeAll();
    const token = saved(home, 'req-answer').taskToken;
    await until('the same token to be awaited again', () => (second.tokens.isWaiting(token) ? true : undefined));
    second.tokens.sendTaskSuccess(token, JSON.stringify({ approved: true }));
    await second.engine.settled();

    expect(saved(home, 'req-answer')).toMatchObject({ status: 'SUCCEEDED', finalState: 'Audited' });
    expect(second.calls).toEqual(['Audit']);
  });

  it.each([
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['empty', () => ''],
    ['not an execution record', () => JSON.stringify({ hello: 'world' })],
  ])('reports a %s execution file by name, leaves it as it is, and continues every other execution', async (_kind, corrupt) => {
    // Prepare: two grants live when the sandbox stops; one file is then damaged.
    for (const name of ['req-good', 'req-broken']) first.engine.start({ request: { requestId: name } }, name);
    await until('both approval tasks', () => (saved(home, 'req-good').callbackInvoked && saved(home, 'req-broken').callbackInvoked ? true : undefined));
    for (const name of ['req-good', 'req-broken']) first.tokens.sendTaskSuccess(saved(home, name).taskToken, '{}');
    await until('both grants', () => (['req-good', 'req-broken'].every((n) => saved(home, n).current?.state === 'WaitUntilExpiry') ? true : undefined));
    await first.engine.stop();
    const brokenFile = join(home, 'executions', 'req-broken.json');
    const damaged = corrupt(readFileSync(brokenFile, 'utf8'));
    writeFileSync(brokenFile, damaged);

    // Act
    const second = new Sandbox(home, clock);
    const outcome = second.engine.resumeAll();
    await second.engine.settled();

    // Assess
    expect(outcome.resumed).toEqual(['req-good']);
    expect(outcome.failed).toEqual([{ file: brokenFile, reason: expect.stringContaining(brokenFile) }]);
    expect(saved(home, 'req-good')).toMatchObject({ status: 'SUCCEEDED', finalState: 'Audited' });
    expect(readFileSync(brokenFile, 'utf8')).toBe(damaged);
    expect(second.engine.list().map((r) => r.name)).toEqual(['req-good']);
  });

  it('says why an execution cannot continue from a state the definition does not have, and keeps its record', async () => {
    first.engine.start({ request: { requestId: 'req-renamed' } }, 'req-renamed');
    await until('the approval task', () => (saved(home, 'req-renamed').callbackInvoked ? true : undefined));
    await first.engine.stop();
    const file = join(home, 'executions', 'req-renamed.json');
    const record = saved(home, 'req-renamed');
    writeFileSync(file, JSON.stringify({ ...record, current: { ...record.current, state: 'AwaitDecision' } }));

    const second = new Sandbox(home, clock);
    const outcome = second.engine.resumeAll();
    await second.engine.settled();

    expect(outcome.resumed).toEqual([]);
    expect(outcome.failed).toEqual([{ file, name: 'req-renamed', reason: expect.stringMatching(/AwaitDecision.*not a state of the state machine/) }]);
    expect(existsSync(file)).toBe(true);
    expect(saved(home, 'req-renamed')).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('moves a finished execution out of the executions folder into the archive of finished ones, and still lists it', async () => {
    // Prepare: one request left waiting, one that ends (its approval window passes).
    const waiting = new Sandbox(home, clock);
    waiting.engine.start({ request: { requestId: 'req-waiting' } }, 'req-waiting');
    first.engine.start({ request: { requestId: 'req-ends' } }, 'req-ends');
    await until('both approval tasks', () => (saved(home, 'req-waiting').callbackInvoked && saved(home, 'req-ends').callbackInvoked ? true : undefined));

    // Act: the approver approves the second; its grant runs out and it is audited.
    first.tokens.sendTaskSuccess(saved(home, 'req-ends').taskToken, '{}');
    await until('the end', () => (first.finished.length > 0 ? true : undefined), 30_000);

    // Assess: only running executions keep a file (a restart reads only those); the finished one is a
    // line of the archive, and listed as before.
    expect(readdirSync(join(home, 'executions'))).toEqual(['req-waiting.json']);
    const archived = readFileSync(join(home, 'executions-finished.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ExecutionRecord);
    expect(archived).toEqual([expect.objectContaining({ name: 'req-ends', status: 'SUCCEEDED', finalState: 'Audited' })]);
    expect(first.engine.list().find((r) => r.name === 'req-ends')).toMatchObject({ status: 'SUCCEEDED', finalState: 'Audited' });
    expect(new Sandbox(home, clock).engine.resumeAll()).toEqual({ resumed: ['req-waiting'], failed: [] });
  }, 60_000);
});
