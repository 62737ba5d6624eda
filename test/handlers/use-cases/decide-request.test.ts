import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomBytes } from 'node:crypto';
import { EventBridgePublisher } from '../../../handlers/adapters/aws/eventbridge-publisher';
import { decideRequest, reviewRequest } from '../../../handlers/use-cases/decide-request';
import { requestApproval } from '../../../handlers/use-cases/request-approval';
import { FakeAws } from '../../fakes/fake-aws';
import { ManualClock, REGION, approvalDeps, approvalSettings, linkIn, pendingRequest, splitLink } from '../../helpers/approval-fixtures';

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

  it('makes the earlier links worthless when the approval task is retried with new ones', async () => {
    const deps = approvalDeps(approvalSettings(), new ManualClock());
    const pending = await pendingRequest(aws, deps);
    await requestApproval(
      { taskToken: pending.taskToken, request: pending.request },
      {
        ...deps,
        publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), 'jit-broker'),
        random: { bytes: (n) => randomBytes(n) },
        reviewBaseUrl: 'https://approvals.example.test',
      },
    );
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
