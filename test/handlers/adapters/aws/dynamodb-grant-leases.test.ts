import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../../../../handlers/adapters/aws/dynamodb-grant-leases';
import type { GrantLease } from '../../../../handlers/core/grant-lease';
import { FakeDynamoDb } from '../../../fakes/fake-dynamodb';

const ACCOUNT = '222222222222';
const at = (iso: string) => new Date(iso);
const lease = (holder: string, expiresAt: string): GrantLease => ({ agentId: 'ops-bot', accountId: ACCOUNT, holder, expiresAt });

describe('DynamoDbGrantLeases', () => {
  let table: FakeDynamoDb;
  let leases: DynamoDbGrantLeases;
  beforeEach(() => {
    table = new FakeDynamoDb();
    leases = new DynamoDbGrantLeases({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'jit-requests' });
  });
  afterEach(() => table.restore());

  it('takes a free lease with one conditional write, keyed by agent and account, with a TTL a day after the grant', async () => {
    await expect(leases.take(lease('req-first-0001', '2026-11-28T10:15:00Z'), at('2026-11-28T10:00:00Z'))).resolves.toEqual({ taken: true });
    expect(table.mock).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { requestId: `LEASE#ops-bot#${ACCOUNT}` },
      ConditionExpression: 'attribute_not_exists(requestId) OR expiresAtMs <= :nowMs OR holder = :holder',
    });
    expect(table.items.get(`LEASE#ops-bot#${ACCOUNT}`)).toMatchObject({
      holder: 'req-first-0001',
      expiresAt: '2026-11-28T10:15:00Z',
      expiresAtMs: Date.parse('2026-11-28T10:15:00Z'),
      expiresAtEpoch: Date.parse('2026-11-28T10:15:00Z') / 1000 + 86_400,
    });
    // A lease has no status, so the status index (`jit pending`) never lists it.
    expect(table.items.get(`LEASE#ops-bot#${ACCOUNT}`)?.status).toBeUndefined();
  });

  it('refuses another request while the lease is live, naming the holder, and changes nothing', async () => {
    await leases.take(lease('req-first-0001', '2026-11-28T10:15:00Z'), at('2026-11-28T10:00:00Z'));
    const before = structuredClone(table.items.get(`LEASE#ops-bot#${ACCOUNT}`));

    await expect(leases.take(lease('req-second-0002', '2026-11-28T10:30:00Z'), at('2026-11-28T10:14:59Z'))).resolves.toEqual({
      taken: false,
      holder: lease('req-first-0001', '2026-11-28T10:15:00Z'),
    });
    expect(table.items.get(`LEASE#ops-bot#${ACCOUNT}`)).toEqual(before);
  });

  it('lets the holder take it again (a retried mint), and anyone once it has expired', async () => {
    await leases.take(lease('req-first-0001', '2026-11-28T10:15:00Z'), at('2026-11-28T10:00:00Z'));
    await expect(leases.take(lease('req-first-0001', '2026-11-28T10:16:00Z'), at('2026-11-28T10:01:00Z'))).resolves.toEqual({ taken: true });
    await expect(leases.take(lease('req-second-0002', '2026-11-28T10:40:00Z'), at('2026-11-28T10:16:00Z'))).resolves.toEqual({ taken: true });
    await expect(leases.get('ops-bot', ACCOUNT)).resolves.toEqual(lease('req-second-0002', '2026-11-28T10:40:00Z'));
  });

  it('is released by its holder only', async () => {
    await leases.take(lease('req-first-0001', '2026-11-28T10:15:00Z'), at('2026-11-28T10:00:00Z'));
    await leases.release('ops-bot', ACCOUNT, 'req-other-0009', at('2026-11-28T10:05:00Z'));
    await expect(leases.take(lease('req-second-0002', '2026-11-28T10:30:00Z'), at('2026-11-28T10:05:00Z'))).resolves.toMatchObject({ taken: false });

    await leases.release('ops-bot', ACCOUNT, 'req-first-0001', at('2026-11-28T10:05:00Z'));
    await expect(leases.take(lease('req-second-0002', '2026-11-28T10:30:00Z'), at('2026-11-28T10:05:00Z'))).resolves.toEqual({ taken: true });
  });

  it('keeps one agent’s lease apart from another’s in the same account', async () => {
    await leases.take(lease('req-first-0001', '2026-11-28T10:15:00Z'), at('2026-11-28T10:00:00Z'));
    await expect(leases.take({ ...lease('req-other-0003', '2026-11-28T10:15:00Z'), agentId: 'default' }, at('2026-11-28T10:00:00Z'))).resolves.toEqual({ taken: true });
  });
});
