import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomBytes } from 'node:crypto';
import { EventBridgePublisher } from '../../handlers/adapters/aws/eventbridge-publisher';
import { type DecideRequestDeps, decideRequest, reviewRequest } from '../../handlers/use-cases/decide-request';
import { requestApproval } from '../../handlers/use-cases/request-approval';
import { FakeAws } from '../fakes/fake-aws';
import { ManualClock, type PendingFixture, REGION, approvalDeps, approvalSettings, linkIn, pendingRequest, splitLink } from '../helpers/approval-fixtures';

/** Runs the approval task again for the same request, as a Step Functions retry does. */
function retryApproval(pending: PendingFixture, deps: DecideRequestDeps) {
  return requestApproval(
    { taskToken: pending.taskToken, request: pending.request },
    {
      ...deps,
      publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), 'jit-broker'),
      random: { bytes: (n) => randomBytes(n) },
      reviewBaseUrl: 'https://approvals.example.test',
    },
  );
}

describe('decideRequest', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = new FakeAws(['222222222222', '333333333333']);
  });
  afterEach(() => aws.restore());

  it('lets exactly one of two approvers deciding at the same moment win', async () => {
    const deps = approvalDeps(approvalSettings(['a@example.com', 'b@example.com']), new ManualClock());
    const pending = await pendingRequest(aws, deps);
    const [a, b] = pending.links.map((l) => splitLink(l).capability);

    const outcomes = await Promise.all([
      decideRequest(pending.request.requestId, { channel: 'web', capability: a }, { action: 'approve' }, deps),
      decideRequest(pending.request.requestId, { channel: 'web', capability: b }, { action: 'deny', reason: 'no' }, deps),
    ]);

    expect(outcomes.map((o) => o.kind).sort()).toEqual(['approved', 'decided']);
    expect(aws.sfn.calls()).toHaveLength(1);
  });

  it('keeps the mailed links when the approval task is retried after the mail went out, and mails nobody again', async () => {
    const deps = approvalDeps(approvalSettings(), new ManualClock());
    const pending = await pendingRequest(aws, deps);
    const mailed = aws.emails.length;
    await retryApproval(pending, deps);

    expect(aws.emails).toHaveLength(mailed);
    const capability = splitLink(pending.links[0]).capability;
    expect((await reviewRequest(pending.request.requestId, { channel: 'web', capability }, deps)).kind).toBe('pending');
  });

  it('makes the earlier links worthless when the approval task is retried before its mail was recorded', async () => {
    const deps = approvalDeps(approvalSettings(), new ManualClock());
    const pending = await pendingRequest(aws, deps);
    // The first attempt died between sending the mail and recording that it had.
    const item = aws.table.items.get(pending.request.requestId) ?? {};
    delete item.approvalMailedAt;
    await retryApproval(pending, deps);
    const old = splitLink(pending.links[0]).capability;
    const fresh = splitLink(linkIn(aws.emails.at(-1)?.text ?? '')).capability;

    expect(await reviewRequest(pending.request.requestId, { channel: 'web', capability: old }, deps)).toEqual({ kind: 'not-found' });
    expect((await reviewRequest(pending.request.requestId, { channel: 'web', capability: fresh }, deps)).kind).toBe('pending');
  });

  it('never returns the task token or link hashes to its callers', async () => {
    const deps = approvalDeps(approvalSettings(), new ManualClock());
    const pending = await pendingRequest(aws, deps);
    const capability = splitLink(pending.links[0]).capability;

    const shown = await reviewRequest(pending.request.requestId, { channel: 'web', capability }, deps);
    const decided = await decideRequest(pending.request.requestId, { channel: 'web', capability }, { action: 'approve' }, deps);

    for (const outcome of [shown, decided]) {
      expect(JSON.stringify(outcome)).not.toContain(pending.taskToken);
      expect(JSON.stringify(outcome)).not.toContain('approverLinks');
    }
  });
});
