import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore, conditions } from '../../../../handlers/adapters/aws/dynamodb-request-store';
import type { IssuedCredentialsRecord } from '../../../../handlers/core/issued-credentials';
import type { ReportLocation } from '../../../../handlers/core/report-location';
import { mayMove, statusesBefore } from '../../../../handlers/core/request-lifecycle';
import { REQUEST_STATUSES } from '../../../../handlers/core/request-record';
import type { DecisionClaim } from '../../../../handlers/ports/request-store';
import { FakeDynamoDb } from '../../../fakes/fake-dynamodb';
import { REVIEW_REQUEST, elevationRequest } from '../../../helpers/fixtures';

const request = elevationRequest({ requestedAt: '2026-11-28T10:00:00.000Z' });
const now = new Date('2026-11-28T10:00:01Z');

describe('DynamoDbRequestStore', () => {
  let table: FakeDynamoDb;
  let store: DynamoDbRequestStore;
  beforeEach(() => {
    table = new FakeDynamoDb();
    store = new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'jit-requests' });
  });
  afterEach(() => table.restore());

  it('creates a request once, with a TTL, and reports a redelivery as existing', async () => {
    await expect(store.create(request, now)).resolves.toBe('created');
    await expect(store.create({ ...request, reason: 'second delivery' }, now)).resolves.toBe('exists');
    expect(table.mock).toHaveReceivedCommandWith(PutCommand, { TableName: 'jit-requests', ConditionExpression: 'attribute_not_exists(requestId)' });
    expect(table.items.get('req-00000001')).toMatchObject({
      reason: 'Restart the worker',
      status: 'REGISTERED',
      expiresAtEpoch: Math.floor(now.getTime() / 1000) + 400 * 86_400,
    });
  });

  it('stores the task token only from REGISTERED or PENDING_APPROVAL', async () => {
    await store.create(request, now);
    await store.awaitDecision('req-00000001', { taskToken: 't1', approverLinks: { h1: 'lead@example.com' }, approvalDeadline: 'd1' }, now);
    expect(table.items.get('req-00000001')).toMatchObject({ status: 'PENDING_APPROVAL', taskToken: 't1', approverLinks: { h1: 'lead@example.com' } });
    await store.setStatus('req-00000001', 'DENIED', {}, now);
    await expect(store.awaitDecision('req-00000001', { taskToken: 't2', approverLinks: { h2: 'lead@example.com' }, approvalDeadline: 'd2' }, now)).rejects.toThrow(
      'The conditional request failed',
    );
  });

  it('records a revocation only on a GRANTED request, and never lets the end at expiry overwrite it', async () => {
    // Prepare
    await store.create(request, now);
    const revocation = { revokedAt: '2026-11-28T10:03:00.000Z', revokedBy: 'arn:aws:sts::111111111111:assumed-role/OnCall/alice', revokeReason: 'done' };

    // Act / Assess: not granted yet, so nothing to revoke.
    await expect(store.setStatus('req-00000001', 'REVOKED', revocation, now)).resolves.toBe(false);
    // Approved and minted (GRANTED follows APPROVED only).
    table.items.set('req-00000001', { ...table.items.get('req-00000001'), status: 'APPROVED' });
    await expect(store.setStatus('req-00000001', 'GRANTED', {}, now)).resolves.toBe(true);
    await expect(store.setStatus('req-00000001', 'REVOKED', revocation, now)).resolves.toBe(true);
    await expect(store.setStatus('req-00000001', 'ENDED', {}, now)).resolves.toBe(false);
    await expect(store.setStatus('req-00000001', 'AUDITED', {}, now)).resolves.toBe(true);

    expect(table.items.get('req-00000001')).toMatchObject({ status: 'AUDITED', ...revocation });
    expect(table.mock).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'attribute_exists(requestId) AND #status IN (:from0)',
      ExpressionAttributeValues: expect.objectContaining({ ':status': 'REVOKED', ':from0': 'GRANTED', ':revokedBy': revocation.revokedBy }),
    });
  });

  it('drops the task token when the status moves on, and ignores a repeat', async () => {
    await store.create(request, now);
    await store.awaitDecision('req-00000001', { taskToken: 't1', approverLinks: { h1: 'lead@example.com' }, approvalDeadline: 'd1' }, now);
    await expect(store.setStatus('req-00000001', 'APPROVAL_EXPIRED', {}, now)).resolves.toBe(true);
    const item = table.items.get('req-00000001');
    expect(item?.taskToken).toBeUndefined();
    await expect(store.setStatus('req-00000001', 'APPROVAL_EXPIRED', {}, now)).resolves.toBe(false);
    await expect(store.setStatus('req-unknown-1', 'FAILED', {}, now)).resolves.toBe(false);
    expect(table.mock).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'attribute_exists(requestId) AND #status IN (:from0, :from1, :from2, :from3)',
      ExpressionAttributeValues: expect.objectContaining({ ':from0': 'REGISTERED', ':from1': 'PENDING_APPROVAL', ':from2': 'APPROVED', ':from3': 'DENIED' }),
    });
  });
});

describe('DynamoDbRequestStore: conditions rendered from the lifecycle table', () => {
  let table: FakeDynamoDb;
  let store: DynamoDbRequestStore;
  beforeEach(() => {
    table = new FakeDynamoDb();
    store = new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'jit-requests' });
  });
  afterEach(() => table.restore());

  const pairs = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('setStatus from %s to %s writes exactly when the lifecycle allows it', async (from, to) => {
    table.items.set(request.requestId, { ...request, status: from, updatedAt: now.toISOString() });
    const moved = await store.setStatus(request.requestId, to, {}, now);
    expect(moved).toBe(mayMove('recordOutcome', from, to));
    expect(table.items.get(request.requestId)?.status).toBe(moved ? to : from);
  });

  it.each(REQUEST_STATUSES)('awaitDecision from %s stores the token exactly when the lifecycle allows it', async (from) => {
    table.items.set(request.requestId, { ...request, status: from, updatedAt: now.toISOString() });
    const write = store.awaitDecision(request.requestId, { taskToken: 't', approverLinks: {}, approvalDeadline: 'd' }, now);
    if (mayMove('awaitDecision', from, 'PENDING_APPROVAL')) await expect(write).resolves.toBeUndefined();
    else await expect(write).rejects.toThrow('The conditional request failed');
  });

  it('names each part of a condition, and takes the status guard from the table', () => {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    expect(conditions.statusMayPrecede('recordOutcome', 'AUDITED', names, values)).toBe('#status IN (:from0, :from1, :from2)');
    expect(values).toEqual({ ':from0': 'ENDED', ':from1': 'REVOKED', ':from2': 'FAILED' });
    expect(Object.values(values)).toEqual(statusesBefore('recordOutcome', 'AUDITED'));
    expect(names).toEqual({ '#status': 'status' });
  });
});

const issued = (accessKeyId: string): IssuedCredentialsRecord => ({
  accessKeyId,
  grantId: `req-00000001-${'ab'.repeat(12)}`,
  roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
  sourceIdentity: 'jit-req-00000001',
  issuedAt: '2026-11-28T10:00:00Z',
  expiresAt: '2026-11-28T10:05:00Z',
  stsExpiresAt: '2026-11-28T10:15:00Z',
});

describe('DynamoDbRequestStore: what the audit needs', () => {
  let table: FakeDynamoDb;
  let store: DynamoDbRequestStore;
  beforeEach(() => {
    table = new FakeDynamoDb();
    store = new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'jit-requests' });
  });
  afterEach(() => table.restore());

  it('appends every issued credential set, in order, whatever the status', async () => {
    await store.create(request, now);
    await store.recordIssuedCredentials('req-00000001', issued('ASIAFIRSTATTEMPT0001'), now);
    await store.setStatus('req-00000001', 'FAILED', {}, now);
    await store.recordIssuedCredentials('req-00000001', issued('ASIASECONDATTEMPT001'), now);

    expect(table.items.get('req-00000001')?.issuedCredentials).toEqual([issued('ASIAFIRSTATTEMPT0001'), issued('ASIASECONDATTEMPT001')]);
    expect(table.mock).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: 'SET issuedCredentials = list_append(if_not_exists(issuedCredentials, :none), :issued), updatedAt = :now',
      ConditionExpression: 'attribute_exists(requestId)',
    });
  });

  it('refuses to record credentials for a request it does not know', async () => {
    await expect(store.recordIssuedCredentials('req-unknown-1', issued('ASIAFIRSTATTEMPT0001'), now)).rejects.toThrow('The conditional request failed');
    expect(table.items.size).toBe(0);
  });

  it('attaches a report without changing the status', async () => {
    await store.create(request, now);
    await store.setStatus('req-00000001', 'FAILED', { failure: 'mint failed' }, now);
    const report = { jsonUri: 's3://b/reports/x.json', sha256: 'a'.repeat(64) } as ReportLocation;

    await store.attachReport('req-00000001', report, now);

    expect(table.items.get('req-00000001')).toMatchObject({ status: 'FAILED', failure: 'mint failed', report });
  });
});

const HASH = 'a'.repeat(64);
const OTHER_HASH = 'b'.repeat(64);
const NOW = new Date('2026-11-28T10:00:00.000Z');
const DEADLINE = '2026-11-28T10:30:00.000Z';

function claim(overrides: Partial<DecisionClaim> = {}): DecisionClaim {
  const decidedAt = '2026-11-28T10:05:00.000Z';
  return {
    decidedAt,
    outcome: { status: 'APPROVED', decision: { role: 'Ops', minutes: 5, approver: 'a@example.com', decidedAt, channel: 'web' } },
    link: { capabilityHash: HASH, approver: 'a@example.com' },
    ...overrides,
  };
}

describe('DynamoDbRequestStore: the single decision', () => {
  let table: FakeDynamoDb;
  let store: DynamoDbRequestStore;
  const id = elevationRequest(REVIEW_REQUEST).requestId;

  beforeEach(async () => {
    table = new FakeDynamoDb();
    store = new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), tableName: 'jit-requests' });
    await store.create(elevationRequest(REVIEW_REQUEST), NOW);
    await store.awaitDecision(id, { taskToken: 'token', approverLinks: { [HASH]: 'a@example.com', [OTHER_HASH]: 'b@example.com' }, approvalDeadline: DEADLINE }, NOW);
  });
  afterEach(() => table.restore());

  it('grants the claim once, and never a second time', async () => {
    expect(await store.claimDecision(id, claim())).toBe(true);
    expect(await store.claimDecision(id, claim({ link: { capabilityHash: OTHER_HASH, approver: 'b@example.com' } }))).toBe(false);
    expect(table.items.get(id)).toMatchObject({ status: 'APPROVED', decidedAt: '2026-11-28T10:05:00.000Z', decision: { approver: 'a@example.com' } });
  });

  it('pins the link in the write: a hash that is not on record, or not for that approver, gets nothing', async () => {
    expect(await store.claimDecision(id, claim({ link: { capabilityHash: 'c'.repeat(64), approver: 'a@example.com' } }))).toBe(false);
    expect(await store.claimDecision(id, claim({ link: { capabilityHash: OTHER_HASH, approver: 'a@example.com' } }))).toBe(false);
    expect(table.items.get(id)).toMatchObject({ status: 'PENDING_APPROVAL' });
    expect(table.mock).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#status IN (:from0) AND approvalDeadline > :now AND attribute_exists(taskToken) AND #links.#hash = :approver',
      ExpressionAttributeValues: expect.objectContaining({ ':from0': 'PENDING_APPROVAL' }),
    });
  });

  it('refuses a claim at or after the approval deadline', async () => {
    expect(await store.claimDecision(id, claim({ decidedAt: DEADLINE }))).toBe(false);
    expect(table.items.get(id)).toMatchObject({ status: 'PENDING_APPROVAL' });
  });

  it('drops the task token once the decision is delivered, keeping the decision', async () => {
    const c = claim();
    await store.claimDecision(id, c);
    await store.settleDecision(id, c, 'delivered', NOW);
    expect(table.items.get(id)?.taskToken).toBeUndefined();
    expect(table.items.get(id)).toMatchObject({ status: 'APPROVED', decision: { role: 'Ops' } });
  });

  it('releases an undelivered claim back to pending, so the approver can try again', async () => {
    const c = claim();
    await store.claimDecision(id, c);
    await store.settleDecision(id, c, 'undelivered', NOW);
    expect(table.items.get(id)).toMatchObject({ status: 'PENDING_APPROVAL', taskToken: 'token' });
    expect(table.items.get(id)?.decision).toBeUndefined();
    expect(await store.claimDecision(id, c)).toBe(true);
  });

  it('never overwrites a state the workflow recorded after the claim', async () => {
    const c = claim();
    await store.claimDecision(id, c);
    await store.setStatus(id, 'GRANTED', {}, NOW);
    await store.settleDecision(id, c, 'gone', NOW);
    expect(table.items.get(id)).toMatchObject({ status: 'GRANTED', decision: { role: 'Ops' } });
  });

  it('keeps the link hashes after a status change, so a used link can say who decided', async () => {
    await store.setStatus(id, 'APPROVAL_EXPIRED', {}, NOW);
    expect(table.items.get(id)?.approverLinks).toEqual({ [HASH]: 'a@example.com', [OTHER_HASH]: 'b@example.com' });
    expect(table.items.get(id)?.taskToken).toBeUndefined();
  });

  it('lists pending requests without the task token or link hashes', async () => {
    const pending = await store.listPending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ requestId: id, approvalDeadline: DEADLINE });
    expect(pending[0]).not.toHaveProperty('taskToken');
    expect(pending[0]).not.toHaveProperty('approverLinks');
  });
});
