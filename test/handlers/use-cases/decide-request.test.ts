import { decideRequest, reviewRequest } from '../../../handlers/use-cases/decide-request';
import { requestApproval } from '../../../handlers/use-cases/request-approval';
import { ManualClock, approvalSettings, inMemoryApproval, linkIn, pendingInMemory, splitLink } from '../../helpers/approval-fixtures';

describe('decideRequest', () => {
  it('lets exactly one of two approvers deciding at the same moment win', async () => {
    // Prepare
    const approval = inMemoryApproval(approvalSettings(['a@example.com', 'b@example.com']), new ManualClock());
    const pending = await pendingInMemory(approval);
    const [a, b] = pending.links.map((l) => splitLink(l).capability);

    // Act
    const outcomes = await Promise.all([
      decideRequest(pending.request.requestId, { channel: 'web', capability: a }, { action: 'approve' }, approval.deps),
      decideRequest(pending.request.requestId, { channel: 'web', capability: b }, { action: 'deny', reason: 'no' }, approval.deps),
    ]);

    // Assess: the loser never reached the workflow.
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['approved', 'decided']);
    expect(approval.callbacks.sent).toHaveLength(1);
    expect(approval.callbacks.delivered).toEqual([expect.objectContaining({ taskToken: pending.taskToken, action: 'approve' })]);
  });

  it('keeps the mailed links when the approval task is retried after the mail went out, and mails nobody again', async () => {
    // Prepare
    const approval = inMemoryApproval(approvalSettings(), new ManualClock());
    const pending = await pendingInMemory(approval);
    const mailed = approval.mailer.sent.length;

    // Act: Step Functions runs the approval task again for the same request.
    await requestApproval({ taskToken: pending.taskToken, request: pending.request }, approval.deps);

    // Assess
    expect(approval.mailer.sent).toHaveLength(mailed);
    const capability = splitLink(pending.links[0]).capability;
    expect((await reviewRequest(pending.request.requestId, { channel: 'web', capability }, approval.deps)).kind).toBe('pending');
  });

  it('makes the earlier links worthless when the approval task is retried before its mail was recorded', async () => {
    // Prepare: the first attempt died between sending the mail and recording that it had.
    const approval = inMemoryApproval(approvalSettings(), new ManualClock());
    const pending = await pendingInMemory(approval);
    const stored = await approval.store.get(pending.request.requestId);
    if (!stored) throw new Error('The request was not stored.');
    const { approvalMailedAt, ...unrecorded } = stored;
    expect(approvalMailedAt).toBeDefined();
    approval.store.seed(unrecorded);
    const mailed = approval.mailer.sent.length;

    // Act
    await requestApproval({ taskToken: pending.taskToken, request: pending.request }, approval.deps);

    // Assess
    const old = splitLink(pending.links[0]).capability;
    const fresh = splitLink(linkIn(approval.mailer.sent.at(-1)?.text ?? '')).capability;
    expect(approval.mailer.sent).toHaveLength(mailed + pending.links.length);
    expect(await reviewRequest(pending.request.requestId, { channel: 'web', capability: old }, approval.deps)).toEqual({ kind: 'not-found' });
    expect((await reviewRequest(pending.request.requestId, { channel: 'web', capability: fresh }, approval.deps)).kind).toBe('pending');
  });

  it('never returns the task token or link hashes to its callers', async () => {
    // Prepare
    const approval = inMemoryApproval(approvalSettings(), new ManualClock());
    const pending = await pendingInMemory(approval);
    const capability = splitLink(pending.links[0]).capability;

    // Act
    const shown = await reviewRequest(pending.request.requestId, { channel: 'web', capability }, approval.deps);
    const decided = await decideRequest(pending.request.requestId, { channel: 'web', capability }, { action: 'approve' }, approval.deps);

    // Assess
    for (const outcome of [shown, decided]) {
      expect(JSON.stringify(outcome)).not.toContain(pending.taskToken);
      expect(JSON.stringify(outcome)).not.toContain('approverLinks');
    }
  });

  it('tells the approver the request expired when the workflow no longer waits, and records it so', async () => {
    // Prepare
    const approval = inMemoryApproval(approvalSettings(), new ManualClock());
    const pending = await pendingInMemory(approval);
    const capability = splitLink(pending.links[0]).capability;
    approval.callbacks.expire(pending.taskToken);

    // Act
    const outcome = await decideRequest(pending.request.requestId, { channel: 'web', capability }, { action: 'approve' }, approval.deps);

    // Assess
    expect(outcome.kind).toBe('expired');
    expect(approval.callbacks.delivered).toEqual([]);
    const stored = await approval.store.get(pending.request.requestId);
    expect(stored?.status).toBe('APPROVAL_EXPIRED');
    expect(stored).not.toHaveProperty('taskToken');
  });
});
