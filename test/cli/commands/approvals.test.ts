import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { APPROVAL_DENIED_ERROR } from '../../../handlers/core/errors';
import { handleReviewHttp } from '../../../handlers/http/review-routes';
import type { DecideRequestDeps } from '../../../handlers/use-cases/decide-request';
import { AwsClients } from '../../../cli/aws-clients';
import { CliContext } from '../../../cli/context';
import { EXIT } from '../../../cli/exit-codes';
import { runJit } from '../../../cli/main';
import { FakeAws } from '../../fakes/fake-aws';
import {
  ManualClock,
  type PendingFixture,
  RecordingLog,
  approvalDeps,
  httpEvent,
  pendingRequest,
  splitLink,
} from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';
import { EXAMPLE_CONFIG, REPO_ROOT, exampleSettings } from '../../helpers/synth';
import { CapturedIo } from '../../helpers/captured-io';

const CALLER = 'arn:aws:sts::111111111111:assumed-role/OnCall/alice';


describe('CLI: jit pending, jit approve, jit deny', () => {
  let aws: FakeAws;
  let clock: ManualClock;
  let deps: DecideRequestDeps;
  let pending: PendingFixture;
  let io: CapturedIo;

  const jit = (...args: string[]) =>
    runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, ...args], { io, context: (options, contextIo) => new CliContext(options, contextIo, clock) });
  const record = () => structuredClone(aws.table.items.get(pending.request.requestId));

  beforeEach(async () => {
    aws = new FakeAws(['222222222222', '333333333333']);
    aws.sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '111111111111', UserId: 'AROAEXAMPLE:alice' });
    clock = new ManualClock(new Date());
    deps = approvalDeps(exampleSettings(), clock);
    pending = await pendingRequest(aws, deps);
    io = new CapturedIo();
  });
  afterEach(() => aws.restore());

  it('lists pending requests without their task tokens', async () => {
    await pendingRequest(aws, deps, elevationRequest(REVIEW_REQUEST, { requestId: 'req-review-0002', role: 'Deploy', reason: 'Ship hotfix 1.2.3' }));

    const code = await jit('--json', 'pending');

    expect(code).toBe(EXIT.OK);
    const out = JSON.parse(io.stdout) as { pending: Array<Record<string, unknown>> };
    expect(out.pending.map((p) => p.requestId)).toEqual(['req-review-0001', 'req-review-0002']);
    expect(out.pending[0]).toMatchObject({ accountName: 'prod', role: 'Ops', minutes: 30, reason: 'Restart the stuck payment worker' });
    expect(io.stdout).not.toContain(pending.taskToken);
    expect(io.stdout).not.toContain('approverLinks');
  });

  it('prints a table for people, and leaves out requests whose window closed', async () => {
    expect(await jit('pending')).toBe(EXIT.OK);
    expect(io.stdout).toMatch(/^REQUEST\s+ACCOUNT\s+ROLE\s+MIN/);
    expect(io.stdout).toContain('req-review-0001  prod (222222222222)  Ops');

    clock.advance(31 * 60_000);
    io = new CapturedIo();
    expect(await jit('pending')).toBe(EXIT.OK);
    expect(io.stdout.trim()).toBe('No request waits for a decision.');
  });

  it('approves as the caller, with fewer minutes and a note', async () => {
    const code = await jit('--json', 'approve', 'req-review-0001', '--minutes', '10', '--note', 'ok for the worker');

    expect(code).toBe(EXIT.OK);
    const decision = { role: 'Ops', minutes: 10, approver: CALLER, note: 'ok for the worker', decidedAt: clock.now().toISOString(), channel: 'cli' };
    expect(JSON.parse(io.stdout)).toEqual({ requestId: 'req-review-0001', outcome: 'approved', status: 'APPROVED', decision });
    expect(await pending.answer).toEqual(decision);
    expect(record()).toMatchObject({ status: 'APPROVED', decision });
    expect(aws.emails.at(-1)?.text).toContain(`Approved by: ${CALLER}`);
  });

  it('denies with a reason', async () => {
    const code = await jit('deny', 'req-review-0001', '--reason', 'Not during the freeze');

    expect(code).toBe(EXIT.OK);
    expect(io.stdout.trim()).toBe(`Denied req-review-0001 (as ${CALLER}).`);
    await expect(pending.answer).rejects.toMatchObject({ name: APPROVAL_DENIED_ERROR, message: 'Not during the freeze' });
  });

  it('follows the single-decision rule: a second decision, from the CLI or the link, changes nothing', async () => {
    expect(await jit('approve', 'req-review-0001')).toBe(EXIT.OK);
    const after = record();
    io = new CapturedIo();

    expect(await jit('deny', 'req-review-0001')).toBe(EXIT.ALREADY_DECIDED);
    expect(io.stderr).toContain(`was already approved by ${CALLER}`);
    const link = splitLink(pending.links[0]);
    const page = await handleReviewHttp(httpEvent('GET', link.path, { query: link.query }), deps, new RecordingLog());
    expect(page.statusCode).toBe(409);
    expect(page.body).toContain(CALLER);
    expect(record()).toEqual(after);
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it.each([
    [['approve', 'req-review-0001', '--minutes', '61'], EXIT.INVALID_DECISION, 'minutes: 61 is more than the 30 allowed for role Ops'],
    [['approve', 'req-review-0001', '--minutes', '0'], EXIT.INVALID_DECISION, 'minutes: must be at least 1'],
    [['approve', 'req-review-0001', '--role', 'Admin'], EXIT.INVALID_DECISION, 'role: "Admin" is not configured for account prod'],
    [['approve', 'req-review-0001', '--minutes', 'ten'], EXIT.USAGE, 'Expected a whole number of minutes'],
    [['approve', 'req-unknown-0009'], EXIT.NOT_FOUND, 'No request req-unknown-0009.'],
    [['approve'], EXIT.USAGE, "missing required argument 'requestId'"],
    [['approve', 'req-review-0001', '--bogus'], EXIT.USAGE, "unknown option '--bogus'"],
    [['frobnicate'], EXIT.USAGE, "unknown command 'frobnicate'"],
  ])('refuses %j with exit code %i and changes nothing', async (args, exitCode, message) => {
    const before = record();
    expect(await jit(...args)).toBe(exitCode);
    expect(io.stderr).toContain(message);
    expect(io.stdout).toBe('');
    expect(record()).toEqual(before);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('refuses an expired request with exit code 7', async () => {
    clock.advance(31 * 60_000);
    const before = record();
    expect(await jit('--json', 'approve', 'req-review-0001')).toBe(EXIT.EXPIRED);
    expect(JSON.parse(io.stderr)).toMatchObject({ error: { code: 'EXPIRED', exitCode: 7 } });
    expect(record()).toEqual(before);
  });

  it('says when AWS refuses the caller, with exit code 4', async () => {
    aws.table.mock.on(GetCommand).rejects(Object.assign(new Error('User is not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' }));
    expect(await jit('approve', 'req-review-0001')).toBe(EXIT.AWS_ACCESS);
    expect(io.stderr).toContain('AccessDeniedException');
    expect(io.stderr).toContain('jit-approver');
  });

  it('refuses a config that does not load, with exit code 3', async () => {
    const code = await runJit(['node', 'jit', '--config', '/nonexistent/jit.config.json', 'pending'], { io });
    expect(code).toBe(EXIT.CONFIG);
    expect(io.stderr).toContain('file not found');
  });
});

describe('CLI: AWS clients', () => {
  it('sends every client to --endpoint and --region', async () => {
    const clients = new AwsClients({ region: 'us-west-2', endpoint: 'http://127.0.0.1:8787' });
    for (const client of [clients.dynamoDb(), clients.sfn(), clients.sesv2(), clients.sts()]) {
      expect(await client.config.region()).toBe('us-west-2');
      const endpoint = await client.config.endpoint?.();
      expect(endpoint).toMatchObject({ hostname: '127.0.0.1', port: 8787, protocol: 'http:' });
    }
  });

  it('takes the region from the config and the endpoint from JIT_ENDPOINT', async () => {
    const io = new CapturedIo();
    let seen: CliContext | undefined;
    const previous = process.env.JIT_ENDPOINT;
    process.env.JIT_ENDPOINT = 'http://127.0.0.1:8787';
    try {
      await runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, 'pending'], {
        io,
        context: (options, contextIo) => (seen = new CliContext(options, contextIo)),
      }).catch(() => undefined);
    } finally {
      if (previous === undefined) delete process.env.JIT_ENDPOINT;
      else process.env.JIT_ENDPOINT = previous;
    }
    expect(seen?.clients().options).toEqual({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:8787' });
  });
});

describe('CLI: bin/jit.js', () => {
  const run = promisify(execFile);
  const bin = join(REPO_ROOT, 'bin', 'jit.js');

  it('runs the TypeScript CLI with node alone', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version'], { cwd: REPO_ROOT });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits with the usage code on a bad command line', async () => {
    await expect(run(process.execPath, [bin, 'approve'], { cwd: REPO_ROOT })).rejects.toMatchObject({ code: EXIT.USAGE });
  });
});
