import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore, conditions } from '../../../../handlers/adapters/aws/dynamodb-request-store';
import { mayMove, statusesBefore } from '../../../../handlers/core/request-lifecycle';
import { REQUEST_STATUSES } from '../../../../handlers/core/request-record';
import { elevationRequest } from '../../../helpers/fixtures';
import { FakeDynamoDb } from '../../../fakes/fake-dynamodb';

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
