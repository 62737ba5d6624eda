import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EXIT } from '../../../cli/exit-codes';
import { parseBrokerNotification } from '../../../handlers/core/broker-notification';
import { requestDigest } from '../../../handlers/core/registration';
import { AgentWorld } from '../../helpers/agent-world';

const PROD = '222222222222';
/** What the broker digests of a request event's detail, as Register validates it. */
function asked(detail: Record<string, unknown>) {
  return {
    requestId: String(detail.requestId),
    accountId: String(detail.account),
    role: String(detail.role),
    minutes: Number(detail.minutes),
    reason: String(detail.reason),
    plannedActions: (detail.plannedActions as string[] | undefined) ?? [],
  };
}
const base = ['request', '--account', 'prod', '--role', 'Ops', '--minutes', '15', '--reason', 'Restart the stuck payment worker'];

describe('CLI: jit request', () => {
  let world: AgentWorld;
  const published = () => world.aws.eventBridge.commandCalls(PutEventsCommand).length;

  beforeEach(async () => {
    world = await new AgentWorld().start();
  });
  afterEach(() => world.stop());

  it('sends planned resources per action with --resource', async () => {
    // Act
    const arn = `arn:aws:ecs:eu-west-1:${PROD}:service/prod/payments`;
    const run = await world.jit(...base, '--plan', 'ecs:UpdateService', '--resource', `ecs:UpdateService=${arn}`, '--request-id', 'req-cli-00000002');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    const entries = world.aws.eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries ?? [];
    expect(JSON.parse(entries[0].Detail ?? '')).toMatchObject({ plannedActions: ['ecs:UpdateService'], plannedResources: { 'ecs:UpdateService': [arn] } });
  });

  it('publishes Elevation Requested on the broker bus and prints the request id', async () => {
    // Act
    const run = await world.jit(...base, '--plan', 'ecs:UpdateService payments-worker', '--plan', 'logs:GetLogEvents', '--request-id', 'req-cli-00000001');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe('req-cli-00000001\n');
    expect(run.stderr).toContain('jit status req-cli-00000001');
    const entries = world.aws.eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ EventBusName: 'jit-broker', Source: 'jit.agent', DetailType: 'Elevation Requested' });
    expect(JSON.parse(entries[0].Detail ?? '')).toEqual({
      requestId: 'req-cli-00000001',
      account: PROD,
      role: 'Ops',
      minutes: 15,
      reason: 'Restart the stuck payment worker',
      plannedActions: ['ecs:UpdateService payments-worker', 'logs:GetLogEvents'],
    });
  });

  it("uses a fresh UUID and the role's default minutes when none are given", async () => {
    const run = await world.jit('--json', 'request', '--account', 'staging', '--role', 'Deploy', '--reason', 'Ship 1.2.3');
    expect(run.code).toBe(EXIT.OK);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ account: 'staging', accountId: '333333333333', role: 'Deploy', minutes: 30, status: 'REQUESTED', profile: 'jit-staging' });
    expect(out.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    // A well-formed command line naming what the config does not have is 18, like a role or minutes it does not allow.
    ['an unknown account', ['--account', 'nowhere'], EXIT.INVALID_REQUEST, 'No account "nowhere"'],
    ['a role not configured for the account', ['--role', 'Admin'], EXIT.INVALID_REQUEST, 'role: "Admin" is not configured for account prod'],
    ['more minutes than the role allows', ['--minutes', '61'], EXIT.INVALID_REQUEST, 'minutes: 61 is more than the 30 allowed for role Ops'],
    ['zero minutes', ['--minutes', '0'], EXIT.INVALID_REQUEST, 'minutes: must be at least 1'],
    // The limit named is the role's own maximum, not some larger absolute one.
    ['minutes that are not a number', ['--minutes', 'ten'], EXIT.USAGE, '--minutes must be a whole number of minutes, 1 to 30 for role Ops in prod. Received: "ten"'],
    ['minutes that are not a number, for a shorter role', ['--role', 'Security', '--minutes', 'ten'], EXIT.USAGE, '1 to 5 for role Security in prod'],
    ['an empty reason', ['--reason', '   '], EXIT.INVALID_REQUEST, 'reason: must not be empty'],
    ['a reason over 500 characters', ['--reason', 'x'.repeat(501)], EXIT.INVALID_REQUEST, 'reason: must be at most 500 characters'],
    ['a reason with control characters', ['--reason', 'ok\u0007bell'], EXIT.INVALID_REQUEST, 'reason: must not contain a control character (U+0007)'],
    ['21 planned actions', Array.from({ length: 21 }, (_, i) => ['--plan', `ecs:Action${i}`]).flat(), EXIT.INVALID_REQUEST, 'plannedActions: at most 20 entries'],
    ['a resource for an action not planned', ['--plan', 'ecs:UpdateService', '--resource', `ecs:StopTask=arn:aws:ecs:eu-west-1:${PROD}:task/prod/1`], EXIT.INVALID_REQUEST, 'plannedResources.ecs:StopTask: names no IAM action of plannedActions'],
    ['a malformed --resource', ['--plan', 'ecs:UpdateService', '--resource', 'ecs:UpdateService'], EXIT.USAGE, '--resource must be <action>=<arn>'],
    [
      'a plan whose session policy cannot fit in 2,048 characters',
      Array.from({ length: 20 }, (_, i) => [`svc${i}:Act${String.fromCharCode(65 + i)}${'q'.repeat(40)}`]).flatMap(([a], i) => ['--plan', a, '--resource', `${a}=arn:aws:svc${i}:eu-west-1:${PROD}:thing-${'r'.repeat(60)}`]),
      EXIT.INVALID_REQUEST,
      'plannedActions: the plan needs a session policy of',
    ],
    ['a malformed request id', ['--request-id', 'bad id!'], EXIT.USAGE, '--request-id must be 8-36 letters'],
    ['--timeout without --wait', ['--timeout', '5'], EXIT.USAGE, '--timeout only applies with --wait'],
  ])('refuses %s before publishing anything', async (_name, extra, exitCode, message) => {
    // Later options win in commander, so each case overrides one of the base options.
    const run = await world.jit(...base, ...extra);
    expect(run.code).toBe(exitCode);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(published()).toBe(0);
  });

  it.each([
    ['an unknown option', ['--json', 'roles', '--bogus'], "unknown option '--bogus'"],
    ['a missing required option', ['--json', 'request', '--account', 'prod', '--role', 'Ops'], "required option '--reason <text>' not specified"],
    ['an unknown command', ['--json', 'frobnicate'], "unknown command 'frobnicate'"],
    ['--json after the command', ['request', '--json', '--account', 'prod'], "required option '--role <role>' not specified"],
  ])('reports %s as one JSON error line with --json', async (_name, args, message) => {
    const run = await world.jit(...args);
    expect(run.code).toBe(EXIT.USAGE);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({ error: { code: 'USAGE', exitCode: EXIT.USAGE, message: expect.stringContaining(message), hint: expect.any(String) } });
    expect(published()).toBe(0);
  });

  it('refuses a request without a reason', async () => {
    const run = await world.jit('request', '--account', 'prod', '--role', 'Ops');
    expect(run.code).toBe(EXIT.USAGE);
    expect(run.stderr).toContain("required option '--reason <text>' not specified");
    expect(published()).toBe(0);
  });
});

describe('CLI: jit request --wait', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await new AgentWorld().start();
  });
  afterEach(() => world.stop());

  it('returns when granted, with the expiry and the AWS profile to use', async () => {
    // Prepare
    world.answerRequests(() => [
      ['Pending Approval', { account: PROD, accountName: 'prod', role: 'Ops', minutes: 15 }],
      ['Granted', { account: PROD, accountName: 'prod', role: 'Ops', minutes: 10, expiresAt: '2026-11-28T10:10:00Z', grantId: 'g' }],
    ]);

    // Act
    const run = await world.jit('--json', ...base, '--request-id', 'req-wait-0000001', '--wait', '--timeout', '10');

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toEqual({
      requestId: 'req-wait-0000001',
      outcome: 'granted',
      status: 'GRANTED',
      account: 'prod',
      accountId: PROD,
      role: 'Ops',
      minutes: 10,
      expiresAt: '2026-11-28T10:10:00Z',
      profile: 'jit-prod',
    });
    expect(world.sqs.messages).toHaveLength(0);
  });

  it('prints the request id, the expiry and how to use the grant for people', async () => {
    world.answerRequests(() => [['Granted', { account: PROD, role: 'Ops', expiresAt: '2026-11-28T10:10:00Z' }]]);
    const run = await world.jit(...base, '--request-id', 'req-wait-0000002', '--wait', '--timeout', '10');
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe('req-wait-0000002\n');
    expect(run.stderr).toContain('Granted req-wait-0000002: Ops in prod until 2026-11-28T10:10:00Z.');
    expect(run.stderr).toContain('AWS_PROFILE=jit-prod');
  });

  it.each([
    ['Denied', { reason: 'Not during the freeze' }, EXIT.DENIED, 'was denied: Not during the freeze'],
    ['Approval Expired', {}, EXIT.EXPIRED, 'Nobody decided request'],
    ['Rejected', { reason: 'role: "Ops" is not configured' }, EXIT.REJECTED, 'The broker rejected request'],
    ['Failed', { stage: 'mint', reason: 'AccessDenied: not authorized to assume' }, EXIT.BROKER_FAILED, 'could not grant request'],
  ])('ends with its own exit code when the outcome is %s', async (outcome, detail, exitCode, message) => {
    world.answerRequests(() => [
      ['Pending Approval', {}],
      [outcome, detail],
    ]);
    const run = await world.jit('--json', ...base, '--request-id', 'req-wait-0000003', '--wait', '--timeout', '10');
    expect(run.code).toBe(exitCode);
    expect(run.stdout).toBe('');
    const error = (JSON.parse(run.stderr) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ exitCode, requestId: 'req-wait-0000003', outcome });
    expect(String(error.message)).toContain(message);
  });

  it('stops on Elevation Duplicate Refused about its own request, with its own exit code', async () => {
    // Prepare: the broker refuses the request because its id is taken by a different one.
    world.answerRequests((requestId, detail) => [
      ['Duplicate Refused', { account: PROD, role: 'Ops', minutes: 15, contentDigest: requestDigest({ ...asked(detail), requestId }), reason: 'taken' }],
    ]);

    // Act
    const run = await world.jit('--json', ...base, '--request-id', 'req-wait-dup00001', '--wait', '--timeout', '10');

    // Assess
    expect(run.code).toBe(EXIT.DUPLICATE_REFUSED);
    expect(run.stdout).toBe('');
    const error = (JSON.parse(run.stderr) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ code: 'DUPLICATE_REFUSED', exitCode: EXIT.DUPLICATE_REFUSED, requestId: 'req-wait-dup00001', outcome: 'Duplicate Refused' });
    expect(String(error.message)).toContain('Request id req-wait-dup00001 is already used by a different request');
    expect(String(error.hint)).toContain('--request-id');
  });

  it('keeps waiting through a Duplicate Refused about a different request under its id', async () => {
    // Prepare: another sender reused this id; its refusal carries the digest of its own request.
    world.answerRequests(() => [
      ['Duplicate Refused', { account: PROD, role: 'Ops', minutes: 15, contentDigest: 'a'.repeat(64) }],
      ['Granted', { account: PROD, role: 'Ops', expiresAt: '2026-11-28T10:10:00Z' }],
    ]);

    // Act
    const run = await world.jit('--json', ...base, '--request-id', 'req-wait-dup00002', '--wait', '--timeout', '10');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ requestId: 'req-wait-dup00002', outcome: 'granted' });
  });

  it('gives up after --timeout with its own exit code, saying the request may still be decided', async () => {
    const run = await world.jit(...base, '--request-id', 'req-wait-0000004', '--wait', '--timeout', '1');
    expect(run.code).toBe(EXIT.WAIT_TIMEOUT);
    expect(run.stderr).toContain('No outcome for req-wait-0000004 within 1 seconds; it may still be decided.');
  });

  it('serves concurrent waiters from one queue without losing another request\u2019s outcome', async () => {
    // Prepare: two waiters on separate hosts (no shared local state), and an outcome nobody waits for.
    const elsewhere = mkdtempSync(join(tmpdir(), 'jit-other-host-'));
    world.brokerEvent('Granted', { requestId: 'req-nobody-waits', account: PROD, expiresAt: '2026-11-28T10:10:00Z' });
    world.answerRequests((requestId) =>
      requestId === 'req-wait-first01'
        ? [['Pending Approval', {}], ['Denied', { reason: 'no' }]]
        : [['Pending Approval', {}], ['Granted', { account: '333333333333', role: 'Deploy', expiresAt: '2026-11-28T10:30:00Z' }]],
      200,
    );

    // Act
    const [first, second] = await Promise.all([
      world.jit(...base, '--request-id', 'req-wait-first01', '--wait', '--timeout', '20'),
      world.jitIn(elsewhere, 'request', '--account', 'staging', '--role', 'Deploy', '--reason', 'Ship 1.2.3', '--request-id', 'req-wait-second1', '--wait', '--timeout', '20'),
    ]);

    // Assess: each got its own outcome; the unclaimed one is still on the queue for its waiter.
    expect(first.code).toBe(EXIT.DENIED);
    expect(second.code).toBe(EXIT.OK);
    expect(second.stdout).toBe('req-wait-second1\n');
    const left = world.sqs.messages.map((m) => parseBrokerNotification(m.body));
    expect(left.filter((n) => n?.requestId === 'req-nobody-waits').map((n) => n?.outcome)).toEqual(['Granted']);
    // A waiter may finish before it sees its own Pending Approval (hidden by the other waiter); that one expires.
    expect(left.every((n) => n?.requestId === 'req-nobody-waits' || n?.outcome === 'Pending Approval')).toBe(true);
  });

  it('finds an outcome another local jit process already took off the queue', async () => {
    // Prepare: a status sweep receives the outcome first and keeps it in the user's mailbox.
    world.asAgent();
    world.brokerEvent('Granted', { requestId: 'req-wait-0000005', account: PROD, role: 'Ops', expiresAt: '2026-11-28T10:10:00Z' });
    const status = await world.jit('status', 'req-wait-0000005');
    expect(status.code).toBe(EXIT.OK);
    expect(world.sqs.messages).toHaveLength(0);

    // Act: a wait for the same request.
    const run = await world.jit('--json', 'request', '--account', 'prod', '--role', 'Ops', '--reason', 'again', '--request-id', 'req-wait-0000005', '--wait', '--timeout', '2');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ requestId: 'req-wait-0000005', outcome: 'granted', profile: 'jit-prod' });
  });
});
