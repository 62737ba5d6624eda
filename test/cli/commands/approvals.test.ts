import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { APPROVAL_DENIED_ERROR } from '../../../handlers/core/errors';
import { handleReviewHttp } from '../../../handlers/http/review-routes';
import { EventBridgePublisher } from '../../../handlers/adapters/aws/eventbridge-publisher';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { type ApproverRouteDeps, handleApproverHttp } from '../../../handlers/http/approver-routes';
import { AwsClients } from '../../../cli/aws-clients';
import { CliContext } from '../../../cli/context';
import { EXIT } from '../../../cli/exit-codes';
import { runJit } from '../../../cli/main';
import { FakeAws } from '../../fakes/fake-aws';
import {
  ManualClock,
  type PendingFixture,
  RecordingLog,
  REGION,
  approvalDeps,
  approverRouteEvent,
  httpEvent,
  pendingRequest,
  splitLink,
} from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';
import { EXAMPLE_CONFIG, REPO_ROOT, exampleSettings } from '../../helpers/synth';
import { CapturedIo } from '../../helpers/captured-io';
import { signatureFacts, verifySignature } from '../../helpers/sigv4';

const CALLER = 'arn:aws:sts::111111111111:assumed-role/OnCall/alice';
const APPROVER = 'security-lead@example.com';
const APPROVALS_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
/** The caller's credentials, as the CLI's provider chain finds them in the environment. */
const KEY = { id: 'ASIAAPPROVEREXAMPLE1', secret: 'approver-secret-access-key-example-0000000' };

/**
 * The broker's HTTP API at its boundary: checks the request's SigV4 signature (an independent check
 * written from the spec, service `execute-api`, region eu-west-1) as API Gateway's IAM authorization
 * does, then hands the payload 2.0 event with the authenticated caller to the approver routes.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
function approverApiAt(deps: () => ApproverRouteDeps, signedCalls: string[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const headers: Record<string, string> = { host: url.host };
    for (const [name, value] of Object.entries((init?.headers ?? {}) as Record<string, string>)) headers[name.toLowerCase()] = value;
    const body = Buffer.from(typeof init?.body === 'string' ? init.body : '');
    const parts = { method: init?.method ?? 'GET', url: `${url.pathname}${url.search}`, headers, body };
    const facts = signatureFacts(parts);
    if (!facts || facts.service !== 'execute-api' || facts.region !== 'eu-west-1' || facts.accessKeyId !== KEY.id || !verifySignature(parts, facts, KEY.secret)) {
      return new Response(JSON.stringify({ message: 'Forbidden' }), { status: 403 });
    }
    signedCalls.push(`${parts.method} ${url.pathname}`);
    const event = approverRouteEvent(parts.method, url.pathname, CALLER, body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined);
    const result = await handleApproverHttp(event, deps(), new RecordingLog());
    return new Response(String(result.body ?? ''), { status: result.statusCode ?? 200, headers: result.headers as Record<string, string> });
  };
}

describe('CLI: jit pending, jit approve, jit deny', () => {
  let aws: FakeAws;
  let clock: ManualClock;
  let deps: ApproverRouteDeps;
  let pending: PendingFixture;
  let io: CapturedIo;
  let signedCalls: string[];
  const saved = { ...process.env };

  const jit = (...args: string[]) =>
    runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, ...args], { io, context: (options, contextIo) => new CliContext(options, contextIo, clock) });
  const record = () => structuredClone(aws.table.items.get(pending.request.requestId));

  beforeEach(async () => {
    aws = new FakeAws(['222222222222', '333333333333']);
    clock = new ManualClock(new Date());
    const settings = { ...exampleSettings(), approverPrincipals: { [APPROVER]: ['arn:aws:iam::111111111111:role/OnCall'] } };
    deps = {
      ...approvalDeps(settings, clock),
      publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), BROKER_NAMES.eventBus),
      revoke: () => Promise.reject(new Error('not in these tests')),
    };
    pending = await pendingRequest(aws, deps);
    io = new CapturedIo();
    signedCalls = [];
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: KEY.secret, JIT_APPROVALS_URL: APPROVALS_URL });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    jest.spyOn(globalThis, 'fetch').mockImplementation(approverApiAt(() => deps, signedCalls));
  });
  afterEach(() => {
    aws.restore();
    jest.restoreAllMocks();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'JIT_APPROVALS_URL', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

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

  it('says under the table what each grant can do against its role, as the broker evaluated it', async () => {
    // Act
    expect(await jit('pending')).toBe(EXIT.OK);

    // Assess: the request plans logs:GetLogEvents (an IAM action) and one line of free text.
    expect(io.stdout).toContain('req-review-0001: what this grant can do\n  Scoped to the plan: 1 of the role');
    expect(io.stdout).toContain('  Can: logs:GetLogEvents\n');
    expect(io.stdout).toMatch(/ {2}Cannot \(the role could\): ec2:Describe\*, /);
  });

  it('says under the table what IAM Access Analyzer answered about the session policy as requested: not proven without it', async () => {
    // Act: the request was put to the approvers without Access Analyzer (as in the sandbox).
    expect(await jit('pending')).toBe(EXIT.OK);

    // Assess
    expect(io.stdout).toContain('req-review-0001: IAM Access Analyzer on the session policy as requested (the mint proves the granted policy again):\n  Proofs: not proven (');
    expect(io.stdout).toContain('  NOT PROVEN validate-policy (session policy): ');
    expect(io.stdout).not.toMatch(/Proofs: proven|^ {2}PASS /m);
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
    const decision = { role: 'Ops', minutes: 10, approver: APPROVER, principal: CALLER, note: 'ok for the worker', decidedAt: clock.now().toISOString(), channel: 'cli' };
    expect(JSON.parse(io.stdout)).toEqual({ requestId: 'req-review-0001', outcome: 'approved', status: 'APPROVED', decision });
    expect(await pending.answer).toEqual(decision);
    expect(record()).toMatchObject({ status: 'APPROVED', decision });
    expect(aws.emails.at(-1)?.text).toContain(`Approved by: ${APPROVER}`);
    // Through the signed approver route only: the caller's credentials touched neither the table nor the task.
    expect(signedCalls).toEqual(['POST /approvals/req-review-0001/approve']);
  });

  it('denies with a reason', async () => {
    const code = await jit('deny', 'req-review-0001', '--reason', 'Not during the freeze');

    expect(code).toBe(EXIT.OK);
    expect(io.stdout.trim()).toBe(`Denied req-review-0001 (as ${APPROVER}).`);
    await expect(pending.answer).rejects.toMatchObject({ name: APPROVAL_DENIED_ERROR, message: 'Not during the freeze' });
  });

  it('follows the single-decision rule: a second decision, from the CLI or the link, changes nothing', async () => {
    expect(await jit('approve', 'req-review-0001')).toBe(EXIT.OK);
    const after = record();
    io = new CapturedIo();

    expect(await jit('deny', 'req-review-0001')).toBe(EXIT.ALREADY_DECIDED);
    expect(io.stderr).toContain(`was already approved by ${APPROVER}`);
    const link = splitLink(pending.links[0]);
    const page = await handleReviewHttp(httpEvent('GET', link.path, { query: link.query }), deps, new RecordingLog());
    expect(page.statusCode).toBe(409);
    expect(page.body).toContain(APPROVER);
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

  it('counts an approval towards a quorum, says so for a second one by the same person, shows the count in pending, and refuses an unrouted approver', async () => {
    // Prepare: Ops needs two approvals of the caller and another; Deploy goes to someone else.
    const quorum = { approvers: [APPROVER, 'second@example.com'], quorum: 2 };
    deps = { ...deps, settings: { ...deps.settings, approvers: [APPROVER, 'second@example.com', 'other@example.com'], approvalRoutes: [{ role: 'Ops', ...quorum }, { approvers: ['other@example.com'] }] } };
    pending = await pendingRequest(aws, deps, elevationRequest(REVIEW_REQUEST, { requestId: 'req-quorum-0001' }));
    await pendingRequest(aws, deps, elevationRequest(REVIEW_REQUEST, { requestId: 'req-other-0001', role: 'Deploy' }));

    // Act
    const first = await jit('approve', 'req-quorum-0001');
    const firstOut = io.stdout;
    io = new CapturedIo();
    const again = await jit('approve', 'req-quorum-0001');
    const againOut = io.stdout;
    io = new CapturedIo();
    const listed = await jit('pending');
    const listedOut = io.stdout;
    io = new CapturedIo();
    const unrouted = await jit('approve', 'req-other-0001');

    // Assess
    expect(first).toBe(EXIT.OK);
    expect(firstOut).toContain('Approval of req-quorum-0001 counted: 1 of 2');
    expect(again).toBe(EXIT.OK);
    expect(againOut).toContain('You had already approved req-quorum-0001; the same person counts once. Nothing changed: 1 of 2');
    expect(listed).toBe(EXIT.OK);
    expect(listedOut).toMatch(/APPROVALS/);
    expect(listedOut).toMatch(/req-quorum-0001 .* 1\/2 /);
    expect(listedOut).not.toContain('req-other-0001');
    expect(unrouted).toBe(EXIT.REFUSED);
    expect(io.stderr).toContain('You cannot decide req-other-0001');
    expect(aws.table.items.get('req-other-0001')?.status).toBe('PENDING_APPROVAL');
  });

  it('refuses an expired request with exit code 7', async () => {
    clock.advance(31 * 60_000);
    const before = record();
    expect(await jit('--json', 'approve', 'req-review-0001')).toBe(EXIT.EXPIRED);
    expect(JSON.parse(io.stderr)).toMatchObject({ error: { code: 'EXPIRED', exitCode: 7 } });
    expect(record()).toEqual(before);
  });

  it('says when AWS refuses the signature, with exit code 4, and changes nothing', async () => {
    const before = record();
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-of-this-key-000000000000000';
    expect(await jit('approve', 'req-review-0001')).toBe(EXIT.AWS_ACCESS);
    expect(io.stderr).toContain('HTTP 403');
    expect(io.stderr).toContain('jit-approver');
    expect(record()).toEqual(before);
  });

  it('says when the broker refuses a caller who is no configured approver, with exit code 16', async () => {
    deps = { ...deps, settings: { ...deps.settings, approverPrincipals: { [APPROVER]: ['arn:aws:iam::111111111111:role/SomeoneElse'] } } };
    const before = record();
    expect(await jit('approve', 'req-review-0001')).toBe(EXIT.REFUSED);
    expect(io.stderr).toContain(`${CALLER} is not one of the configured approvers`);
    expect(record()).toEqual(before);
    expect(aws.detailTypes()).toContain('Elevation Approver Refused');
  });

  it('says where the approver routes are expected when nothing names them, with exit code 3', async () => {
    delete process.env.JIT_APPROVALS_URL;
    expect(await jit('pending')).toBe(EXIT.CONFIG);
    expect(io.stderr).toContain('JIT_APPROVALS_URL');
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
