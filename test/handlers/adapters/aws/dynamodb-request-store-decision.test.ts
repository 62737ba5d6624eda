import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../../../../handlers/adapters/aws/dynamodb-request-store';
import type { DecisionClaim } from '../../../../handlers/ports/request-store';
import { FakeDynamoDb } from '../../../fakes/fake-dynamodb';
import { REVIEW_REQUEST, elevationRequest } from '../../../helpers/fixtures';

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
