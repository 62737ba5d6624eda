import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../../../handlers/adapters/aws/dynamodb-grant-leases';
import type { GrantLease } from '../../../handlers/core/grant-lease';
import type { GrantLeases } from '../../../handlers/ports/grant-leases';
import { FakeDynamoDb } from '../../fakes/fake-dynamodb';
import { InMemoryGrantLeases } from '../../fakes/ports/in-memory-grant-leases';

/**
 * The grant leases' contract (`handlers/ports/grant-leases.ts`), run against both implementations: the
 * DynamoDB adapter over the stateful SDK fake, and the in-memory fake use-case tests rely on. A case that
 * passes for one and fails for the other means the fake has drifted from the adapter's conditional writes.
 */
interface Subject {
  readonly leases: GrantLeases;
  readonly close: () => void;
}

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'DynamoDbGrantLeases over the DynamoDB SDK fake',
    () => {
      const table = new FakeDynamoDb();
      const leases = new DynamoDbGrantLeases({ client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), tableName: 'jit-requests' });
      return { leases, close: () => table.restore() };
    },
  ],
  ['InMemoryGrantLeases', () => ({ leases: new InMemoryGrantLeases(), close: () => undefined })],
];

const AGENT = 'ops-bot';
const ACCOUNT = '222222222222';
const OTHER_ACCOUNT = '333333333333';
const FIRST = 'req-first-0001';
const SECOND = 'req-second-0002';
const START = new Date('2026-11-28T10:00:00Z');
const EXPIRY = '2026-11-28T10:15:00Z';
const lease = (holder: string, expiresAt: string, over: Partial<GrantLease> = {}): GrantLease => ({ agentId: AGENT, accountId: ACCOUNT, holder, expiresAt, ...over });

describe.each(IMPLEMENTATIONS)('GrantLeases contract: %s', (_name, open) => {
  let subject: Subject;
  let leases: GrantLeases;
  beforeEach(() => {
    subject = open();
    leases = subject.leases;
  });
  afterEach(() => subject.close());

  it('knows no lease of an agent and account that never took one', async () => {
    // Act
    const found = await leases.get(AGENT, ACCOUNT);

    // Assess
    expect(found).toBeUndefined();
  });

  it('takes a free lease, and then holds it for its request until the expiry', async () => {
    // Act
    const taken = await leases.take(lease(FIRST, EXPIRY), START);

    // Assess
    expect(taken).toEqual({ taken: true });
    expect(await leases.get(AGENT, ACCOUNT)).toEqual(lease(FIRST, EXPIRY));
  });

  it('refuses another request while the lease is live, names the holder, and leaves the lease as it was', async () => {
    // Prepare
    await leases.take(lease(FIRST, EXPIRY), START);

    // Act
    const refused = await leases.take(lease(SECOND, '2026-11-28T10:30:00Z'), new Date('2026-11-28T10:14:59Z'));

    // Assess
    expect(refused).toEqual({ taken: false, holder: lease(FIRST, EXPIRY) });
    expect(await leases.get(AGENT, ACCOUNT)).toEqual(lease(FIRST, EXPIRY));
  });

  it('lets the holder take it again (a retried mint), and another request from the expiry on', async () => {
    // Prepare
    await leases.take(lease(FIRST, EXPIRY), START);

    // Act
    const retried = await leases.take(lease(FIRST, '2026-11-28T10:16:00Z'), new Date('2026-11-28T10:01:00Z'));
    const atExpiry = await leases.take(lease(SECOND, '2026-11-28T10:40:00Z'), new Date('2026-11-28T10:16:00Z'));

    // Assess
    expect([retried, atExpiry]).toEqual([{ taken: true }, { taken: true }]);
    expect(await leases.get(AGENT, ACCOUNT)).toEqual(lease(SECOND, '2026-11-28T10:40:00Z'));
  });

  it('is freed by its holder only, and free at once for the next request', async () => {
    // Prepare
    await leases.take(lease(FIRST, EXPIRY), START);
    const releasedAt = new Date('2026-11-28T10:05:00Z');

    // Act / Assess: a release by another request changes nothing.
    await leases.release(AGENT, ACCOUNT, 'req-other-0009', releasedAt);
    expect(await leases.take(lease(SECOND, '2026-11-28T10:30:00Z'), releasedAt)).toEqual({ taken: false, holder: lease(FIRST, EXPIRY) });

    // Act / Assess: the holder's release frees it.
    await leases.release(AGENT, ACCOUNT, FIRST, releasedAt);
    expect(await leases.take(lease(SECOND, '2026-11-28T10:30:00Z'), releasedAt)).toEqual({ taken: true });
  });

  it('leaves a lease never taken alone when asked to release it', async () => {
    // Act
    await leases.release(AGENT, ACCOUNT, FIRST, START);

    // Assess
    expect(await leases.get(AGENT, ACCOUNT)).toBeUndefined();
  });

  it("keeps one agent's lease apart from another agent's, and one account's from another's", async () => {
    // Prepare
    await leases.take(lease(FIRST, EXPIRY), START);

    // Act
    const otherAgent = await leases.take(lease(SECOND, EXPIRY, { agentId: 'default' }), START);
    const otherAccount = await leases.take(lease(SECOND, EXPIRY, { accountId: OTHER_ACCOUNT }), START);

    // Assess
    expect([otherAgent, otherAccount]).toEqual([{ taken: true }, { taken: true }]);
    expect(await leases.get(AGENT, ACCOUNT)).toEqual(lease(FIRST, EXPIRY));
  });
});
