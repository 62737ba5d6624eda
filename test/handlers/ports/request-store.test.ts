import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../../../handlers/adapters/aws/dynamodb-request-store';
import type { IssuedCredentialsRecord } from '../../../handlers/core/issued-credentials';
import type { ReportLocation } from '../../../handlers/core/report-location';
import type { DecisionClaim, PendingApproval, RequestStore } from '../../../handlers/ports/request-store';
import { FakeDynamoDb } from '../../fakes/fake-dynamodb';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { elevationRequest } from '../../helpers/fixtures';

/**
 * The request store's contract (`handlers/ports/request-store.ts`), run against both implementations:
 * the DynamoDB adapter over the stateful SDK fake, and the in-memory fake use-case tests rely on. A case
 * that passes for one and fails for the other means the fake has drifted from the adapter.
 */
interface Subject {
  readonly store: RequestStore;
  readonly close: () => void;
}

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'DynamoDbRequestStore over the DynamoDB SDK fake',
    () => {
      const table = new FakeDynamoDb();
      const store = new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), tableName: 'jit-requests' });
      return { store, close: () => table.restore() };
    },
  ],
  ['InMemoryRequestStore', () => ({ store: new InMemoryRequestStore(), close: () => undefined })],
];

const ID = 'req-contract-0001';
const REQUEST = elevationRequest({ requestId: ID, requestedAt: '2026-11-28T10:00:00.000Z' });
const NOW = new Date('2026-11-28T10:00:01.000Z');
const DEADLINE = '2026-11-28T10:30:00.000Z';
const PENDING: PendingApproval = { taskToken: 'task-token-1', approverLinks: { hashA: 'a@example.com', hashB: 'b@example.com' }, approvalDeadline: DEADLINE };
const DECIDED_AT = '2026-11-28T10:05:00.000Z';
const APPROVE_A: DecisionClaim = {
  outcome: { status: 'APPROVED', decision: { role: 'Ops', minutes: 5, approver: 'a@example.com', decidedAt: DECIDED_AT, channel: 'web' } },
  decidedAt: DECIDED_AT,
  link: { capabilityHash: 'hashA', approver: 'a@example.com' },
};
const DENY_B: DecisionClaim = {
  outcome: { status: 'DENIED', denial: { approver: 'b@example.com', reason: 'no', decidedAt: DECIDED_AT, channel: 'web' } },
  decidedAt: DECIDED_AT,
  link: { capabilityHash: 'hashB', approver: 'b@example.com' },
};
const ISSUED: IssuedCredentialsRecord = {
  accessKeyId: 'ASIACONTRACT00000001',
  grantId: `${ID}-${'a'.repeat(24)}`,
  roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
  sourceIdentity: `jit-${ID}`,
  issuedAt: '2026-11-28T10:06:00Z',
  expiresAt: '2026-11-28T10:11:00Z',
  stsExpiresAt: '2026-11-28T10:21:00Z',
};
const REPORT: ReportLocation = {
  jsonUri: 's3://jit-audit-reports/reports/x.json',
  markdownUri: 's3://jit-audit-reports/reports/x.md',
  sha256: 'f'.repeat(64),
  markdownSha256: 'e'.repeat(64),
  complete: true,
  completeness: 'settled',
  eventCount: 0,
  summary: { mutating: 0, accessDenied: 0, iamChanges: 0, securityGroupChanges: 0, credentialChanges: 0, unplannedMutating: 0, afterExpiry: 0, afterRevoke: 0 },
};

describe.each(IMPLEMENTATIONS)('RequestStore contract: %s', (_name, open) => {
  let subject: Subject;
  let store: RequestStore;
  beforeEach(() => {
    subject = open();
    store = subject.store;
  });
  afterEach(() => subject.close());

  /** A request waiting for a decision, as AwaitApproval leaves it. */
  async function pending(): Promise<void> {
    await store.create(REQUEST, NOW);
    await store.awaitDecision(ID, PENDING, NOW);
  }

  it('creates a request once, REGISTERED, and calls a redelivery existing without changing it', async () => {
    // Act
    const first = await store.create(REQUEST, NOW);
    const second = await store.create({ ...REQUEST, reason: 'second delivery' }, NOW);

    // Assess
    expect([first, second]).toEqual(['created', 'exists']);
    expect(await store.get(ID)).toMatchObject({ ...REQUEST, status: 'REGISTERED', updatedAt: NOW.toISOString() });
  });

  it('stores the registration that says which execution stored the request, and keeps the first on a redelivery', async () => {
    // Prepare
    const registration = { executionId: 'arn:aws:states:eu-west-1:111111111111:execution:jit-elevation:first', contentDigest: 'd'.repeat(64) };

    // Act
    await store.create(REQUEST, NOW, registration);
    const again = await store.create(REQUEST, NOW, { ...registration, executionId: 'arn:aws:states:eu-west-1:111111111111:execution:jit-elevation:second' });

    // Assess
    expect(again).toBe('exists');
    expect(await store.get(ID)).toMatchObject({ status: 'REGISTERED', registration });
  });

  it('returns nothing for an unknown request', async () => {
    // Assess
    expect(await store.get('req-unknown-0001')).toBeUndefined();
  });

  it('stores the task token from REGISTERED and again from PENDING_APPROVAL (a retried task), never after a decision', async () => {
    // Prepare
    await pending();

    // Act
    await store.awaitDecision(ID, { ...PENDING, taskToken: 'task-token-2' }, NOW);
    await store.setStatus(ID, 'APPROVAL_EXPIRED', {}, NOW);

    // Assess
    await expect(store.awaitDecision(ID, PENDING, NOW)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(store.awaitDecision('req-unknown-0001', PENDING, NOW)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await store.get(ID)).toMatchObject({ status: 'APPROVAL_EXPIRED', approverLinks: PENDING.approverLinks });
    expect(await store.get(ID)).not.toHaveProperty('taskToken');
  });

  it('stores the proofs of the session policy as requested with the approval, for the review page and jit pending', async () => {
    // Prepare
    const approvalProofs = {
      verdict: 'failed' as const,
      reason: 'access-not-granted failed',
      checks: [
        { check: 'validate-policy' as const, subject: 'session policy', status: 'pass' as const, detail: '0 finding(s), none an error or security warning' },
        { check: 'access-not-granted' as const, subject: 'iam:CreateUser', status: 'fail' as const, detail: 'grants iam:CreateUser' },
      ],
    };
    await store.create(REQUEST, NOW);

    // Act
    await store.awaitDecision(ID, { ...PENDING, approvalProofs }, NOW);

    // Assess
    expect(await store.get(ID)).toMatchObject({ status: 'PENDING_APPROVAL', approvalProofs });
    // A retried approval request gets them back with the wait, for its Elevation Pending Approval.
    await store.markApprovalMailed(ID, PENDING.taskToken, NOW);
    expect(await store.resumeAwaitDecision(ID, 'task-token-2', NOW)).toEqual({ approvalDeadline: DEADLINE, approvalProofs });
  });

  it('resumes an approval whose links were mailed, with the new task token and the same links and deadline', async () => {
    // Prepare
    await pending();
    await store.markApprovalMailed(ID, PENDING.taskToken, NOW);
    const later = new Date('2026-11-28T10:02:00.000Z');

    // Act
    const resumed = await store.resumeAwaitDecision(ID, 'task-token-2', later);

    // Assess
    expect(resumed).toEqual({ approvalDeadline: DEADLINE });
    expect(await store.get(ID)).toMatchObject({
      status: 'PENDING_APPROVAL',
      taskToken: 'task-token-2',
      approverLinks: PENDING.approverLinks,
      approvalDeadline: DEADLINE,
      approvalMailedAt: NOW.toISOString(),
      updatedAt: later.toISOString(),
    });
  });

  it('resumes nothing before the links were mailed, after the window closed, after a decision, or for an unknown request', async () => {
    // Prepare
    await pending();

    // Act / Assess: not mailed yet.
    expect(await store.resumeAwaitDecision(ID, 'task-token-2', NOW)).toBeUndefined();
    await store.markApprovalMailed(ID, PENDING.taskToken, NOW);
    // The window closed.
    expect(await store.resumeAwaitDecision(ID, 'task-token-2', new Date(DEADLINE))).toBeUndefined();
    expect(await store.resumeAwaitDecision('req-unknown-0001', 'task-token-2', NOW)).toBeUndefined();
    expect((await store.get(ID))?.taskToken).toBe(PENDING.taskToken);
    // Decided.
    await store.claimDecision(ID, APPROVE_A);
    expect(await store.resumeAwaitDecision(ID, 'task-token-2', NOW)).toBeUndefined();
    expect(await store.get(ID)).toMatchObject({ status: 'APPROVED', taskToken: PENDING.taskToken });
  });

  it('records the mail only for the links of the token on record, and new links need a new mail', async () => {
    // Prepare
    await pending();

    // Act: an older attempt's token is no longer on record.
    await store.markApprovalMailed(ID, 'task-token-0', NOW);
    const unmarked = await store.get(ID);
    await store.markApprovalMailed(ID, PENDING.taskToken, NOW);
    const marked = await store.get(ID);
    await store.awaitDecision(ID, { ...PENDING, taskToken: 'task-token-2', approverLinks: { hashC: 'a@example.com' } }, NOW);

    // Assess
    expect(unmarked).not.toHaveProperty('approvalMailedAt');
    expect(marked).toMatchObject({ approvalMailedAt: NOW.toISOString() });
    expect(await store.get(ID)).not.toHaveProperty('approvalMailedAt');
    await expect(store.markApprovalMailed('req-unknown-0001', PENDING.taskToken, NOW)).resolves.toBeUndefined();
    expect(await store.get('req-unknown-0001')).toBeUndefined();
  });

  it('gives the one decision to exactly one of two approvers claiming at the same moment', async () => {
    // Prepare
    await pending();

    // Act
    const results = await Promise.all([store.claimDecision(ID, APPROVE_A), store.claimDecision(ID, DENY_B)]);

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await store.get(ID);
    expect(stored?.status).toBe(results[0] ? 'APPROVED' : 'DENIED');
    expect(stored).toMatchObject({ decidedAt: DECIDED_AT, updatedAt: DECIDED_AT, taskToken: PENDING.taskToken });
  });

  it('refuses a claim after the approval window, from a link not on record, or without a pending task', async () => {
    // Prepare
    await store.create(REQUEST, NOW);
    const late: DecisionClaim = { ...APPROVE_A, decidedAt: DEADLINE };
    const forged: DecisionClaim = { ...APPROVE_A, link: { capabilityHash: 'hashA', approver: 'mallory@example.com' } };

    // Act / Assess: REGISTERED has no task token and no window yet.
    expect(await store.claimDecision(ID, APPROVE_A)).toBe(false);
    await store.awaitDecision(ID, PENDING, NOW);
    expect(await store.claimDecision(ID, late)).toBe(false);
    expect(await store.claimDecision(ID, forged)).toBe(false);
    expect(await store.claimDecision('req-unknown-0001', APPROVE_A)).toBe(false);
    expect(await store.get(ID)).toMatchObject({ status: 'PENDING_APPROVAL' });
    expect(await store.get(ID)).not.toHaveProperty('decidedAt');
  });

  it('counts each approver of a quorum once, for one role, while the request can be decided', async () => {
    // Prepare
    await store.create(REQUEST, NOW);
    const approval = (approver: string, role = 'Ops', decidedAt = DECIDED_AT) => ({ approver, channel: 'web' as const, decidedAt, role, minutes: 10 });
    expect(await store.recordApproval(ID, approval('a@example.com'))).toBeUndefined();
    await store.awaitDecision(ID, { ...PENDING, routing: { approvers: ['a@example.com', 'b@example.com', 'c@example.com'], quorum: 2, route: 'role' } }, NOW);

    // Act
    const first = await store.recordApproval(ID, approval('a@example.com'), { capabilityHash: 'hashA', approver: 'a@example.com' });
    const twice = await store.recordApproval(ID, approval('a@example.com'));
    const otherRole = await store.recordApproval(ID, approval('c@example.com', 'Deploy'));
    const forged = await store.recordApproval(ID, approval('b@example.com'), { capabilityHash: 'hashA', approver: 'b@example.com' });
    const late = await store.recordApproval(ID, approval('b@example.com', 'Ops', DEADLINE));
    const second = await store.recordApproval(ID, approval('b@example.com'));

    // Assess
    expect(Object.keys(first ?? {})).toEqual(['a@example.com']);
    expect(twice).toBeUndefined();
    expect(otherRole).toBeUndefined();
    expect(forged).toBeUndefined();
    expect(late).toBeUndefined();
    expect(Object.keys(second ?? {}).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(await store.get(ID)).toMatchObject({ status: 'PENDING_APPROVAL', quorumRole: 'Ops', routing: { quorum: 2 } });
    await store.claimDecision(ID, APPROVE_A);
    expect(await store.recordApproval(ID, approval('c@example.com'))).toBeUndefined();
  });

  it('keeps every chat prompt posted for a request', async () => {
    await store.create(REQUEST, NOW);
    await store.recordChatPrompts(ID, [{ channel: 'D01', ts: '1.1' }], NOW);
    await store.recordChatPrompts(ID, [{ channel: 'D02', ts: '2.2' }], NOW);
    await store.recordChatPrompts('req-unknown-0001', [{ channel: 'D03', ts: '3.3' }], NOW);
    expect((await store.get(ID))?.chatPrompts).toEqual([
      { channel: 'D01', ts: '1.1' },
      { channel: 'D02', ts: '2.2' },
    ]);
    expect(await store.get('req-unknown-0001')).toBeUndefined();
  });

  it('lets a CLI claim (no link) decide while the window is open', async () => {
    // Prepare
    await pending();
    const { link: _link, ...cli } = APPROVE_A;

    // Act
    const claimed = await store.claimDecision(ID, cli);

    // Assess
    expect(claimed).toBe(true);
    expect(await store.get(ID)).toMatchObject({ status: 'APPROVED', decision: APPROVE_A.outcome.status === 'APPROVED' ? APPROVE_A.outcome.decision : undefined });
  });

  it('settles a delivered claim by dropping the task token only', async () => {
    // Prepare
    await pending();
    await store.claimDecision(ID, APPROVE_A);

    // Act
    await store.settleDecision(ID, APPROVE_A, 'delivered', NOW);

    // Assess
    const stored = await store.get(ID);
    expect(stored).toMatchObject({ status: 'APPROVED', decidedAt: DECIDED_AT });
    expect(stored).not.toHaveProperty('taskToken');
  });

  it('marks a claim the workflow no longer waits for APPROVAL_EXPIRED, and releases an undelivered one for another try', async () => {
    // Prepare
    await pending();
    await store.claimDecision(ID, DENY_B);

    // Act
    await store.settleDecision(ID, DENY_B, 'undelivered', NOW);
    const released = await store.get(ID);
    await store.claimDecision(ID, APPROVE_A);
    await store.settleDecision(ID, APPROVE_A, 'gone', NOW);

    // Assess
    expect(released).toMatchObject({ status: 'PENDING_APPROVAL', taskToken: PENDING.taskToken });
    expect(released).not.toHaveProperty('denial');
    expect(released).not.toHaveProperty('decidedAt');
    const expired = await store.get(ID);
    expect(expired).toMatchObject({ status: 'APPROVAL_EXPIRED' });
    for (const field of ['taskToken', 'decision', 'decidedAt']) expect(expired).not.toHaveProperty(field);
  });

  it('never lets a settlement overwrite a state the workflow recorded after the claim', async () => {
    // Prepare
    await pending();
    await store.claimDecision(ID, APPROVE_A);
    await store.setStatus(ID, 'GRANTED', {}, NOW);

    // Act
    await store.settleDecision(ID, APPROVE_A, 'undelivered', NOW);
    await store.settleDecision(ID, { ...APPROVE_A, decidedAt: '2026-11-28T10:06:00.000Z' }, 'delivered', NOW);

    // Assess
    expect(await store.get(ID)).toMatchObject({ status: 'GRANTED', decidedAt: DECIDED_AT });
  });

  it('moves a status only along the lifecycle table, records its fields, and drops the task token', async () => {
    // Prepare
    await pending();
    await store.claimDecision(ID, APPROVE_A);
    const failure = { failure: 'AssumeRole failed' };

    // Act / Assess
    expect(await store.setStatus(ID, 'AUDITED', {}, NOW)).toBe(false);
    expect(await store.setStatus(ID, 'REJECTED', {}, NOW)).toBe(false);
    expect(await store.setStatus('req-unknown-0001', 'FAILED', failure, NOW)).toBe(false);
    expect(await store.setStatus(ID, 'FAILED', failure, NOW)).toBe(true);
    expect(await store.setStatus(ID, 'FAILED', failure, NOW)).toBe(false);
    const stored = await store.get(ID);
    expect(stored).toMatchObject({ status: 'FAILED', failure: 'AssumeRole failed', decision: expect.objectContaining({ approver: 'a@example.com' }) });
    expect(stored).not.toHaveProperty('taskToken');
  });

  it('says a status is held from the workflow only when it is the current one and no revocation ended the grant', async () => {
    // Prepare
    await pending();
    await store.claimDecision(ID, APPROVE_A);
    await store.setStatus(ID, 'GRANTED', {}, NOW);
    const later = new Date('2026-11-28T10:07:00.000Z');

    // Act / Assess
    expect(await store.heldStatusFromWorkflow(ID, 'ENDED', later)).toBe(false);
    expect(await store.heldStatusFromWorkflow('req-unknown-0001', 'GRANTED', later)).toBe(false);
    expect(await store.heldStatusFromWorkflow(ID, 'GRANTED', later)).toBe(true);
    expect(await store.get(ID)).toMatchObject({ status: 'GRANTED', updatedAt: later.toISOString() });
    await store.setStatus(ID, 'ENDED', { revokedAt: later.toISOString(), revokedBy: 'a@example.com', revokeReason: 'done' }, later);
    expect(await store.heldStatusFromWorkflow(ID, 'ENDED', later)).toBe(false);
    expect(await store.get('req-unknown-0001')).toBeUndefined();
  });

  it('lists pending requests oldest first, without task tokens or link hashes', async () => {
    // Prepare
    const older = elevationRequest({ requestId: 'req-contract-0000', requestedAt: '2026-11-28T09:00:00.000Z' });
    await store.create(REQUEST, NOW);
    await store.create(older, NOW);
    await store.create(elevationRequest({ requestId: 'req-contract-0002' }), NOW);
    await store.awaitDecision(ID, PENDING, NOW);
    await store.awaitDecision(older.requestId, PENDING, NOW);

    // Act
    const listed = await store.listPending();

    // Assess
    expect(listed.map((p) => p.requestId)).toEqual(['req-contract-0000', ID]);
    expect(listed[1]).toMatchObject({ accountId: REQUEST.accountId, role: 'Ops', minutes: 5, reason: REQUEST.reason, approvalDeadline: DEADLINE });
    for (const summary of listed) {
      expect(summary).not.toHaveProperty('taskToken');
      expect(summary).not.toHaveProperty('approverLinks');
    }
  });

  it('lists the requests holding a claimed decision since a time, oldest first', async () => {
    // Prepare: one approved, one denied, one too old, one still pending, one granted.
    const at = (id: string, requestedAt: string) => elevationRequest({ requestId: id, requestedAt });
    for (const [id, requestedAt] of [
      ['req-claimed-denied', '2026-11-28T10:00:00.000Z'],
      ['req-claimed-approve', '2026-11-28T09:59:00.000Z'],
      ['req-claimed-tooold', '2026-11-28T08:00:00.000Z'],
      ['req-claimed-pending', '2026-11-28T10:00:00.000Z'],
      ['req-claimed-granted', '2026-11-28T10:00:00.000Z'],
    ]) {
      await store.create(at(id, requestedAt), NOW);
      await store.awaitDecision(id, PENDING, NOW);
    }
    await store.claimDecision('req-claimed-denied', { ...DENY_B, link: undefined });
    await store.claimDecision('req-claimed-approve', { ...APPROVE_A, link: undefined });
    await store.claimDecision('req-claimed-tooold', { ...APPROVE_A, link: undefined });
    await store.claimDecision('req-claimed-granted', { ...APPROVE_A, link: undefined });
    await store.setStatus('req-claimed-granted', 'GRANTED', {}, NOW);

    // Act
    const listed = await store.listClaimedDecisions(new Date('2026-11-28T09:00:00.000Z'));

    // Assess
    expect(listed).toEqual(['req-claimed-approve', 'req-claimed-denied']);
  });

  it('appends issued credentials and attaches a report whatever the status, only to a known request', async () => {
    // Prepare
    await store.create(REQUEST, NOW);
    await store.setStatus(ID, 'FAILED', { failure: 'x' }, NOW);

    // Act
    await store.recordIssuedCredentials(ID, ISSUED, NOW);
    await store.recordIssuedCredentials(ID, { ...ISSUED, accessKeyId: 'ASIACONTRACT00000002' }, NOW);
    await store.attachReport(ID, REPORT, NOW);

    // Assess
    expect(await store.get(ID)).toMatchObject({ status: 'FAILED', report: REPORT, issuedCredentials: [ISSUED, { ...ISSUED, accessKeyId: 'ASIACONTRACT00000002' }] });
    expect(await store.issuedCredentialsOf(ID)).toEqual([ISSUED, { ...ISSUED, accessKeyId: 'ASIACONTRACT00000002' }]);
    expect(await store.issuedCredentialsOf('req-unknown-0001')).toEqual([]);
    await expect(store.recordIssuedCredentials('req-unknown-0001', ISSUED, NOW)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(store.attachReport('req-unknown-0001', REPORT, NOW)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await store.get('req-unknown-0001')).toBeUndefined();
  });

  it('records a break-glass acknowledgement once: the first stands, a second and an unknown request change nothing', async () => {
    // Prepare
    await pending();
    const first = { approver: 'b@example.com', principal: 'arn:aws:iam::111111111111:user/b', acknowledgedAt: '2026-11-28T11:00:00.000Z' };
    const later = new Date('2026-11-28T11:05:00.000Z');

    // Act
    const recorded = await store.acknowledgePostReview(ID, first, new Date(first.acknowledgedAt));
    const second = await store.acknowledgePostReview(ID, { approver: 'c@example.com', acknowledgedAt: later.toISOString() }, later);
    const unknown = await store.acknowledgePostReview('req-unknown-0001', first, later);

    // Assess
    expect([recorded, second, unknown]).toEqual([true, false, false]);
    expect(await store.get(ID)).toMatchObject({ status: 'PENDING_APPROVAL', postReviewAck: first, updatedAt: first.acknowledgedAt });
    expect(await store.get('req-unknown-0001')).toBeUndefined();
  });

  it('replaces a live grant with its extension only while GRANTED, unrevoked and still holding the previous set', async () => {
    // Prepare
    const first = { grantId: ISSUED.grantId, requestId: ID, accountId: REQUEST.accountId, role: 'Ops', roleArn: ISSUED.roleArn, accessKeyId: ISSUED.accessKeyId, sourceIdentity: ISSUED.sourceIdentity, grantedAt: ISSUED.issuedAt, expiresAt: ISSUED.expiresAt, stsExpiresAt: ISSUED.stsExpiresAt, resetScheduleName: `jit-reset-${ID}` };
    const extended = { ...first, grantId: `${ID}-${'b'.repeat(24)}`, accessKeyId: 'ASIACONTRACT00000002', expiresAt: '2026-11-28T10:21:00Z', extends: first.grantId };
    await store.create(REQUEST, NOW);
    expect(await store.recordExtension(ID, extended, first.grantId, NOW)).toBe(false);
    await store.awaitDecision(ID, PENDING, NOW);
    await store.setStatus(ID, 'GRANTED', { grant: first }, NOW);

    // Act
    const moved = await store.recordExtension(ID, extended, first.grantId, NOW);
    const again = await store.recordExtension(ID, { ...extended, grantId: `${ID}-${'c'.repeat(24)}` }, first.grantId, NOW);

    // Assess
    expect([moved, again]).toEqual([true, false]);
    expect(await store.get(ID)).toMatchObject({ status: 'GRANTED', grant: extended });
    await store.setStatus(ID, 'REVOKED', { revokedAt: NOW.toISOString(), revokedBy: 'a@example.com' }, NOW);
    expect(await store.recordExtension(ID, { ...extended, grantId: `${ID}-${'d'.repeat(24)}`, extends: extended.grantId }, extended.grantId, NOW)).toBe(false);
    expect(await store.recordExtension('req-unknown-0001', extended, first.grantId, NOW)).toBe(false);
  });

  it('reads only what a pre-expiry notice checks: status, grant, revocation, decision, routing; nothing for an unknown request', async () => {
    // Prepare
    const grant = { grantId: ISSUED.grantId, requestId: ID, accountId: REQUEST.accountId, role: 'Ops', roleArn: ISSUED.roleArn, accessKeyId: ISSUED.accessKeyId, sourceIdentity: ISSUED.sourceIdentity, grantedAt: ISSUED.issuedAt, expiresAt: ISSUED.expiresAt, stsExpiresAt: ISSUED.stsExpiresAt, resetScheduleName: `jit-reset-${ID}` };
    const routing = { approvers: ['a@example.com', 'b@example.com'], quorum: 1, route: 'fallback' as const };
    await store.create(REQUEST, NOW);
    await store.awaitDecision(ID, { ...PENDING, routing }, NOW);
    expect(await store.claimDecision(ID, APPROVE_A)).toBe(true);
    await store.setStatus(ID, 'GRANTED', { grant, decision: APPROVE_A.outcome.status === 'APPROVED' ? APPROVE_A.outcome.decision : undefined }, NOW);

    // Act
    const live = await store.expiryFacts(ID);
    await store.setStatus(ID, 'REVOKED', { revokedAt: NOW.toISOString(), revokedBy: 'a@example.com' }, NOW);
    const revoked = await store.expiryFacts(ID);

    // Assess: no task token, link hash, reason or anything else of the record.
    const decision = APPROVE_A.outcome.status === 'APPROVED' ? APPROVE_A.outcome.decision : undefined;
    expect(live).toEqual({ status: 'GRANTED', grant, decision, routing });
    expect(revoked).toEqual({ status: 'REVOKED', grant, decision, routing, revokedAt: NOW.toISOString() });
    expect(await store.expiryFacts('req-unknown-0001')).toBeUndefined();
  });

  it('hands out copies: changing what get returned changes nothing stored', async () => {
    // Prepare
    await store.create(REQUEST, NOW);
    const copy = (await store.get(ID)) as { plannedActions: string[] } | undefined;

    // Act
    copy?.plannedActions.push('iam:CreateUser');

    // Assess
    expect((await store.get(ID))?.plannedActions).toEqual([]);
  });
});
