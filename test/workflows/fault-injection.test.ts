import { writeFileSync } from 'node:fs';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { isGrantOfRequest } from '../../handlers/core/grant-window';
import { type LocalExecutionResult, runLocalExecution } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, deployedFunctions, newFakeAws, requestEvent, synthesizedElevation } from '../helpers/elevation-harness';
import { type Fault, FaultInjector, type FaultKind } from '../helpers/fault-injection';

/**
 * The fault-injection matrix: every task of the synthesized state machine, run with the real handlers
 * against the SDK-boundary fakes, failed once before or after each of its AWS calls the way Lambda and
 * Step Functions fail and retry (see test/helpers/fault-injection.ts). Whatever the failure, each run must
 * end in a named final state with its broker event, leave the secret at the placeholder, have audited every
 * credential it issued, and never send a second approval email or write a second grant.
 *
 * Set JIT_FAULT_MATRIX=<file> to write the matrix (task × failure point → outcome) as Markdown.
 */

const REQUEST_ID = 'req-fault-0001';
const detail = { requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the stuck payment worker' };
const approval = () => JSON.stringify({ role: 'Ops', minutes: 5, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
const sfn = new SFNClient({ region: 'eu-west-1' });

/** The broker event each final state publishes last. */
const FINAL_EVENT: Readonly<Record<string, string>> = {
  [STATE.audited]: 'Elevation Audited',
  // A failed mint is audited when it had recorded credentials; otherwise its Failed event is the last.
  [STATE.mintFailed]: 'Elevation Audited|Elevation Failed',
  [STATE.registerFailed]: 'Elevation Failed',
  [STATE.approvalFailed]: 'Elevation Failed',
  [STATE.auditFailed]: 'Elevation Failed',
  [STATE.rejected]: 'Elevation Rejected',
  [STATE.duplicateRefused]: 'Elevation Rejected',
  [STATE.approvalExpired]: 'Elevation Approval Expired',
  [STATE.denied]: 'Elevation Denied',
};

interface Case {
  readonly task: string;
  readonly kind: FaultKind;
  readonly command: string;
  readonly when: 'before' | 'after';
  /** Which call of the command within the task; 1 unless a task makes several. */
  readonly nth?: number;
}

const at = (task: string, command: string, points: Array<[FaultKind, 'before' | 'after']>, nth?: number): Case[] =>
  points.map(([kind, when]) => ({ task, kind, command, when, ...(nth ? { nth } : {}) }));

/** Every task, before and after each of its AWS calls. */
const CASES: readonly Case[] = [
  // Register: the conditional write of the request.
  ...at(STATE.register, 'PutCommand', [['throttled', 'before'], ['timeout', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
  // AwaitApproval: resume an earlier attempt's links (1st UpdateItem), else store the token and new links
  // (2nd), mail the approver, record that the mail went out (3rd), publish Pending Approval.
  ...at(STATE.awaitApproval, 'UpdateCommand', [['throttled', 'before']], 1),
  ...at(STATE.awaitApproval, 'UpdateCommand', [['throttled', 'before'], ['timeout', 'after']], 2),
  ...at(STATE.awaitApproval, 'SendEmailCommand', [['throttled', 'before'], ['timeout', 'after']]),
  ...at(STATE.awaitApproval, 'UpdateCommand', [['timeout', 'after'], ['lost-response', 'after']], 3),
  ...at(STATE.awaitApproval, 'PutEventsCommand', [['throttled', 'before'], ['lost-response', 'after']]),
  // Mint: AssumeRole, record the key, schedule the reset, write the secret.
  ...at(STATE.mint, 'AssumeRoleCommand', [['throttled', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
  ...at(STATE.mint, 'UpdateCommand', [['throttled', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
  ...at(STATE.mint, 'CreateScheduleCommand', [['throttled', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
  ...at(STATE.mint, 'PutSecretValueCommand', [['throttled', 'before'], ['timeout', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
  // NotifyGranted: record GRANTED, publish Granted.
  ...at(STATE.notifyGranted, 'UpdateCommand', [['throttled', 'before'], ['timeout', 'after']]),
  ...at(STATE.notifyGranted, 'PutEventsCommand', [['throttled', 'before'], ['timeout', 'before'], ['lost-response', 'after']]),
  // Reset: compare-and-swap the secret back to the placeholder.
  ...at(STATE.reset, 'PutSecretValueCommand', [['throttled', 'before'], ['timeout', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
  // NotifyEnded and NotifyAudited: record, publish.
  ...at(STATE.notifyEnded, 'PutEventsCommand', [['throttled', 'before'], ['timeout', 'before'], ['lost-response', 'after']]),
  ...at(STATE.notifyAudited, 'UpdateCommand', [['timeout', 'after']]),
  ...at(STATE.notifyAudited, 'PutEventsCommand', [['throttled', 'before'], ['timeout', 'before'], ['lost-response', 'after']]),
  // Audit: plan from the record, read the trail, write the report.
  ...at(STATE.planAudit, 'GetCommand', [['throttled', 'before'], ['timeout', 'before']]),
  ...at(STATE.collectTrail, 'LookupEventsCommand', [['throttled', 'before'], ['timeout', 'before']]),
  ...at(STATE.collectTrail, 'PutObjectCommand', [['throttled', 'before'], ['timeout', 'after'], ['lost-response', 'after']]),
];

interface Outcome {
  readonly result: LocalExecutionResult;
  readonly events: string[];
  readonly struck: boolean;
  readonly attempts: number;
}

/** Functions → the task states that invoke them, from the definition. */
function statesByFunction(): Map<string, string[]> {
  const states = synthesizedElevation().workflow.definition.States;
  const byArn = new Map<string, string[]>();
  for (const [name, state] of Object.entries(states)) {
    const parameters = state.Parameters as { FunctionName?: string } | undefined;
    const arn = state.Resource?.startsWith('arn:aws:lambda:') ? state.Resource : parameters?.FunctionName;
    if (typeof arn === 'string') byArn.set(arn, [...(byArn.get(arn) ?? []), name]);
  }
  return byArn;
}

/** Runs one elevation with `fault` injected; the approver approves as soon as the request waits. */
async function runWithFault(aws: FakeAws, fault: Fault | undefined): Promise<Outcome> {
  const { workflow } = synthesizedElevation();
  // The functions date by the fake world's virtual clock, which the run's Wait states advance.
  const functions = new Map(deployedFunctions(aws).map((fn) => [fn.arn, fn.handler]));
  const injector = new FaultInjector(fault);
  const byArn = statesByFunction();
  try {
    const result = await runLocalExecution(requestEvent(detail), {
      definition: workflow.definition,
      functions: injector.wrap(functions, (arn) => byArn.get(arn) ?? []),
      tokens: aws.tokens,
      clock: aws.clock,
      retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
      beforeTask: (state) => injector.entering(state),
      onCallbackInvoked: () => {
        // The approver answers once the approval task has mailed the link and waits.
        const token = aws.table.items.get(REQUEST_ID)?.taskToken;
        if (typeof token === 'string') void sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() })).catch(() => undefined);
      },
    });
    return {
      result,
      events: aws.detailTypes(),
      struck: injector.struck,
      attempts: fault ? (injector.invocations.get(fault.state) ?? 0) : 0,
    };
  } finally {
    injector.uninstall();
  }
}

/** What the secret was ever written with: grant ids, and the access keys handed over with them. */
function grantsWritten(aws: FakeAws): { grants: Set<string>; keys: Set<string> } {
  const grants = new Set<string>();
  const keys = new Set<string>();
  for (const call of aws.secrets.mock.commandCalls(PutSecretValueCommand)) {
    const value = JSON.parse(call.args[0].input.SecretString ?? '{}') as { GrantId?: string; AccessKeyId?: string };
    if (value.GrantId && isGrantOfRequest(value.GrantId, REQUEST_ID)) grants.add(value.GrantId);
    if (value.AccessKeyId) keys.add(value.AccessKeyId);
  }
  return { grants, keys };
}

function auditedKeys(aws: FakeAws): Set<string> {
  const uri = aws.table.items.get(REQUEST_ID)?.report as { jsonUri?: string } | undefined;
  const report = uri?.jsonUri ? (JSON.parse(aws.s3.latest(uri.jsonUri)?.body ?? '{}') as { credentials?: Array<{ accessKeyId: string }> }) : {};
  return new Set((report.credentials ?? []).map((c) => c.accessKeyId));
}

const matrix: string[] = [];

describe('Workflow: fault injection over the synthesized state machine', () => {
  let aws: FakeAws;
  // Synthesizing the app takes a while on a busy machine; once, before the cases.
  beforeAll(() => synthesizedElevation(), 180_000);
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());
  afterAll(() => {
    const table = [
      '| Task | Failure | Runs of the task | Final state | Broker events | Keys issued | Approval emails |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...matrix,
    ].join('\n');
    console.log(`Fault-injection matrix (task × failure point → outcome)\n${table}`);
    if (process.env.JIT_FAULT_MATRIX) writeFileSync(process.env.JIT_FAULT_MATRIX, `${table}\n`);
  });

  const point = (c: Case) => `${c.kind} ${c.when} ${c.command}${c.nth ? ` #${c.nth}` : ''}`;
  it.each(CASES.map((c) => [`${c.task}: ${point(c)}`, c] as const))('%s', async (_name, c) => {
    // Act
    const outcome = await runWithFault(aws, { state: c.task, kind: c.kind, at: { command: c.command, when: c.when, ...(c.nth ? { nth: c.nth } : {}) } });
    const { result, events } = outcome;
    matrix.push(
      `| ${c.task} | ${point(c)} | ${outcome.attempts} | ${result.finalState} | ${events.join(' → ') || '(none)'} | ${aws.minted.length} | ${aws.emails.length} |`,
    );

    // Assess: the fault did strike, and the run still ended in a named final state with its event.
    expect(outcome.struck).toBe(true);
    expect(Object.keys(FINAL_EVENT)).toContain(result.finalState);
    expect(FINAL_EVENT[result.finalState].split('|')).toContain(events.at(-1));
    // The secret holds no grant, and at most one grant was ever written into it.
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
    const written = grantsWritten(aws);
    expect(written.grants.size).toBeLessThanOrEqual(1);
    // Every key that left the mint function (into the secret) was recorded first, and every recorded key
    // is in the audit report. A key whose attempt died before recording it never left that attempt.
    const recorded = new Set(((aws.table.items.get(REQUEST_ID)?.issuedCredentials ?? []) as Array<{ accessKeyId: string }>).map((c) => c.accessKeyId));
    const audited = auditedKeys(aws);
    for (const key of written.keys) expect(recorded).toContain(key);
    for (const key of recorded) expect(audited).toContain(key);
    // One approval email at most. (Events are published at least once: a retried Notify may repeat one.)
    expect(aws.emails.filter((e) => !e.subject.startsWith('Expiring in')).length).toBeLessThanOrEqual(1);
  }, 30_000);
});
