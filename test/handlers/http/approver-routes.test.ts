import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { EventBridgePublisher } from '../../../handlers/adapters/aws/eventbridge-publisher';
import { LambdaRevoker } from '../../../handlers/adapters/aws/lambda-revoker';
import { approverForPrincipal, principalCovers } from '../../../handlers/core/approver-principal';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { type ApproverRouteDeps, handleApproverHttp } from '../../../handlers/http/approver-routes';
import { FakeAws } from '../../fakes/fake-aws';
import { ManualClock, type PendingFixture, RecordingLog, REGION, approvalDeps, approvalSettings, approverRouteEvent as iamEvent, pendingRequest } from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

const HUB = '111111111111';
const ALICE = `arn:aws:sts::${HUB}:assumed-role/OnCall/alice`;
const MALLORY = `arn:aws:sts::${HUB}:assumed-role/Developers/mallory`;
const APPROVER = 'security-lead@example.com';

describe('HTTP: the IAM-authorized approver routes', () => {
  let aws: FakeAws;
  let clock: ManualClock;
  let deps: ApproverRouteDeps;
  let pending: PendingFixture;
  let revokes: unknown[];
  const call = async (method: string, path: string, caller: string | null = ALICE, body?: unknown) => {
    const response = await handleApproverHttp(iamEvent(method, path, caller ?? undefined, body), deps, new RecordingLog());
    return { status: response.statusCode, body: JSON.parse(String(response.body)) as Record<string, unknown> };
  };
  const record = () => structuredClone(aws.table.items.get(pending.request.requestId));

  beforeEach(async () => {
    // Prepare: one pending request; OnCall's sessions are the approver's IAM identity.
    aws = new FakeAws(['222222222222', '333333333333']);
    clock = new ManualClock(new Date());
    const settings = { ...approvalSettings([APPROVER]), approverPrincipals: { [APPROVER]: [`arn:aws:iam::${HUB}:role/OnCall`] } };
    revokes = [];
    aws.functions.set(BROKER_NAMES.revokeFunction, async (event) => {
      revokes.push(event);
      return { kind: 'revoked', requestId: 'req-review-0001', revokedAt: clock.now().toISOString(), revokedBy: ALICE };
    });
    deps = {
      ...approvalDeps(settings, clock),
      publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), BROKER_NAMES.eventBus),
      revoke: (input) => new LambdaRevoker(new LambdaClient({ region: REGION }), BROKER_NAMES.revokeFunction).revoke(input),
    };
    pending = await pendingRequest(aws, deps);
  });
  afterEach(() => aws.restore());

  it('approves as the configured approver the caller maps to, naming the IAM principal too', async () => {
    const answer = await call('POST', '/approvals/req-review-0001/approve', ALICE, { minutes: 10, note: 'ok' });

    expect(answer.status).toBe(200);
    const decision = { role: 'Ops', minutes: 10, approver: APPROVER, principal: ALICE, note: 'ok', decidedAt: clock.now().toISOString(), channel: 'cli' };
    expect(answer.body).toMatchObject({ outcome: 'approved', decision });
    await expect(pending.answer).resolves.toEqual(decision);
    expect(record()).toMatchObject({ status: 'APPROVED', decision });
    expect(JSON.stringify(answer.body)).not.toContain(pending.taskToken);
  });

  it('denies with a reason', async () => {
    const answer = await call('POST', '/approvals/req-review-0001/deny', ALICE, { reason: 'Not during the freeze' });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'denied', denial: { approver: APPROVER, principal: ALICE, reason: 'Not during the freeze', channel: 'cli' } });
    await expect(pending.answer).rejects.toMatchObject({ message: 'Not during the freeze' });
  });

  it('refuses a signed caller who is no configured approver with 403 and an event, and changes nothing', async () => {
    const before = record();

    const answer = await call('POST', '/approvals/req-review-0001/approve', MALLORY, {});

    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ code: 'NOT_AN_APPROVER' });
    expect(record()).toEqual(before);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
    const refused = aws.events.filter((e) => e.detailType === 'Elevation Approver Refused');
    expect(refused).toEqual([
      expect.objectContaining({
        source: 'jit.broker',
        detail: expect.objectContaining({ requestId: 'req-review-0001', channel: 'iam', callerArn: MALLORY, route: 'POST /approvals/{requestId}/approve' }),
      }),
    ]);
  });

  it('refuses an event without an IAM caller (a route deployed without IAM authorization) and publishes nothing', async () => {
    const before = record();
    const answer = await call('POST', '/approvals/req-review-0001/approve', null, {});
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ code: 'NOT_SIGNED' });
    expect(record()).toEqual(before);
    expect(aws.events.filter((e) => e.detailType === 'Elevation Approver Refused')).toEqual([]);
  });

  it('lists pending requests and shows one request, never their task tokens or link hashes', async () => {
    const list = await call('GET', '/approvals');
    const one = await call('GET', '/approvals/req-review-0001');

    expect(list.status).toBe(200);
    expect((list.body.pending as Array<{ requestId: string }>).map((p) => p.requestId)).toEqual(['req-review-0001']);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ approver: APPROVER, request: { requestId: 'req-review-0001', status: 'PENDING_APPROVAL' } });
    for (const text of [JSON.stringify(list.body), JSON.stringify(one.body)]) {
      expect(text).not.toContain(pending.taskToken);
      expect(text).not.toMatch(/taskToken|approverLinks/);
    }
  });

  it('hands a revoke to the revoke function with the authenticated ARN as the approver', async () => {
    const answer = await call('POST', '/approvals/req-review-0001/revoke', ALICE, { reason: 'incident over' });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'revoked', revokedBy: ALICE });
    expect(revokes).toEqual([{ action: 'approver-revoke', requestId: 'req-review-0001', approver: ALICE, reason: 'incident over' }]);
  });

  it.each([
    ['a body that is not JSON', 'POST', '/approvals/req-review-0001/approve', '{nope', 400, 'MALFORMED_BODY'],
    ['an unknown field', 'POST', '/approvals/req-review-0001/approve', { minutes: 5, approver: 'someone-else' }, 400, 'INVALID_BODY'],
    ['minutes that are not a number', 'POST', '/approvals/req-review-0001/approve', { minutes: '5' }, 400, 'INVALID_BODY'],
    ['a malformed request id', 'POST', '/approvals/..%2Fx/approve', {}, 400, 'BAD_REQUEST_ID'],
    ['an unknown route', 'POST', '/approvals/req-review-0001/grant', {}, 404, 'NO_SUCH_ROUTE'],
  ])('refuses %s and changes nothing', async (_what, method, path, body, status, code) => {
    const before = record();
    const event = iamEvent(method, path, ALICE, typeof body === 'string' ? undefined : body);
    const raw = typeof body === 'string' ? { ...event, body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: { ...event.headers, 'content-type': 'application/json' } } : event;
    const response = await handleApproverHttp(raw, deps, new RecordingLog());
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(String(response.body))).toMatchObject({ code });
    expect(record()).toEqual(before);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('makes a decision through the route and the review link one decision', async () => {
    expect((await call('POST', '/approvals/req-review-0001/approve', ALICE, {})).status).toBe(200);
    const again = await call('POST', '/approvals/req-review-0001/deny', ALICE, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ outcome: 'decided' });
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('checks the verdict with the same terms as the review page: a role the account does not have is refused', async () => {
    const answer = await call('POST', '/approvals/req-review-0001/approve', ALICE, { role: 'Security' });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ outcome: 'invalid' });
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('refuses a wider choice than the request (another role, more minutes) with 422, naming both, and changes nothing', async () => {
    const before = record();

    const answer = await call('POST', '/approvals/req-review-0001/approve', ALICE, { role: 'Deploy', minutes: 45 });

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      outcome: 'invalid',
      problems: [expect.stringMatching(/^role: Deploy is not narrower than the requested Ops/), 'minutes: 45 is more than the 30 requested; an approver may only lower the minutes'],
      roles: [expect.objectContaining({ name: 'Ops' })],
    });
    expect(record()).toEqual(before);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('answers 404 for a request id it does not know', async () => {
    await pendingRequest(aws, deps, elevationRequest(REVIEW_REQUEST, { requestId: 'req-review-0002' }));
    expect((await call('GET', '/approvals/req-review-0009')).status).toBe(404);
  });
});

describe('Core: which configured approver an IAM caller is', () => {
  const settings = {
    ...approvalSettings(['lead@example.com', 'second@example.com']),
    approverPrincipals: {
      'lead@example.com': [`arn:aws:iam::${HUB}:role/OnCall`, `arn:aws:iam::${HUB}:user/lead`],
      'second@example.com': [`arn:aws:sts::${HUB}:assumed-role/AWSReservedSSO_Approver_0123/second@example.com`],
    },
  };

  it('maps any session of a configured role, a configured user, and one configured session', () => {
    expect(approverForPrincipal(settings, `arn:aws:sts::${HUB}:assumed-role/OnCall/anyone`)).toBe('lead@example.com');
    expect(approverForPrincipal(settings, `arn:aws:iam::${HUB}:user/lead`)).toBe('lead@example.com');
    expect(approverForPrincipal(settings, `arn:aws:sts::${HUB}:assumed-role/AWSReservedSSO_Approver_0123/second@example.com`)).toBe('second@example.com');
  });

  it('maps nobody else: another session of a shared role, another account, a same-named user, a role ARN itself', () => {
    expect(approverForPrincipal(settings, `arn:aws:sts::${HUB}:assumed-role/AWSReservedSSO_Approver_0123/mallory@example.com`)).toBeUndefined();
    expect(approverForPrincipal(settings, `arn:aws:sts::999999999999:assumed-role/OnCall/anyone`)).toBeUndefined();
    expect(approverForPrincipal(settings, `arn:aws:iam::${HUB}:user/OnCall`)).toBeUndefined();
    expect(principalCovers(`arn:aws:iam::${HUB}:user/lead`, `arn:aws:sts::${HUB}:assumed-role/lead/x`)).toBe(false);
    expect(approverForPrincipal({ ...settings, approverPrincipals: undefined }, `arn:aws:iam::${HUB}:user/lead`)).toBeUndefined();
  });
});
