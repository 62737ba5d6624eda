import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestQuotas } from '../../../handlers/adapters/aws/dynamodb-request-quotas';
import type { RequestLimits } from '../../../handlers/core/request-quota';
import type { RequestQuotas } from '../../../handlers/ports/request-quotas';
import { FakeDynamoDb } from '../../fakes/fake-dynamodb';
import { InMemoryRequestQuotas } from '../../fakes/ports/in-memory-request-quotas';

/**
 * The request quotas' contract (`handlers/ports/request-quotas.ts`), run against both implementations: the
 * DynamoDB adapter over the stateful SDK fake, and the in-memory fake. A case that passes for one and
 * fails for the other means the fake has drifted from the adapter's conditional writes.
 */
interface Subject {
  readonly quotas: RequestQuotas;
  readonly close: () => void;
}

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'DynamoDbRequestQuotas over the DynamoDB SDK fake',
    () => {
      const table = new FakeDynamoDb();
      const quotas = new DynamoDbRequestQuotas({ client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), tableName: 'jit-requests' });
      return { quotas, close: () => table.restore() };
    },
  ],
  ['InMemoryRequestQuotas', () => ({ quotas: new InMemoryRequestQuotas(), close: () => undefined })],
];

const AGENT = 'ops-bot';
const OTHER_AGENT = 'default';
const HOUR = '2026-11-28T10';
const NEXT_HOUR = '2026-11-28T11';
const NOW = new Date('2026-11-28T10:05:00Z');
const LIMITS: RequestLimits = { pendingPerAgent: 2, requestsPerHourPerAgent: 3 };
const claim = (requestId: string, over: { agentId?: string; hour?: string } = {}) => ({ agentId: AGENT, requestId, hour: HOUR, ...over });

describe.each(IMPLEMENTATIONS)('RequestQuotas contract: %s', (_name, open) => {
  let subject: Subject;
  beforeEach(() => {
    subject = open();
  });
  afterEach(() => subject.close());

  it('takes slots up to the pending limit, then names the pending limit', async () => {
    // Act
    const results = [];
    for (const id of ['req-1', 'req-2', 'req-3']) results.push(await subject.quotas.take(claim(id), LIMITS, NOW));

    // Assess
    expect(results).toEqual([{ taken: true }, { taken: true }, { taken: false, limit: 'pendingPerAgent' }]);
  });

  it('takes nothing more for a request that already holds its slots (a retried Register)', async () => {
    // Prepare
    await subject.quotas.take(claim('req-1'), LIMITS, NOW);
    await subject.quotas.take(claim('req-2'), LIMITS, NOW);

    // Act
    const again = await subject.quotas.take(claim('req-1'), LIMITS, NOW);

    // Assess
    expect(again).toEqual({ taken: true });
    expect(await subject.quotas.take(claim('req-3'), LIMITS, NOW)).toEqual({ taken: false, limit: 'pendingPerAgent' });
  });

  it('frees a pending slot when its request is decided, but not its slot of the hour', async () => {
    // Prepare: two pending, then both decided, then a third and fourth ask in the same hour
    await subject.quotas.take(claim('req-1'), LIMITS, NOW);
    await subject.quotas.take(claim('req-2'), LIMITS, NOW);
    await subject.quotas.releasePending(AGENT, 'req-1', NOW);
    await subject.quotas.releasePending(AGENT, 'req-2', NOW);

    // Act
    const third = await subject.quotas.take(claim('req-3'), LIMITS, NOW);
    const fourth = await subject.quotas.take(claim('req-4'), LIMITS, NOW);
    const nextHour = await subject.quotas.take(claim('req-5', { hour: NEXT_HOUR }), LIMITS, NOW);

    // Assess: the hour allows three; the refused fourth holds no pending slot, so the next hour's request fits
    expect(third).toEqual({ taken: true });
    expect(fourth).toEqual({ taken: false, limit: 'requestsPerHourPerAgent' });
    expect(nextHour).toEqual({ taken: true });
  });

  it("keeps each agent's slots apart", async () => {
    // Prepare
    await subject.quotas.take(claim('req-1'), LIMITS, NOW);
    await subject.quotas.take(claim('req-2'), LIMITS, NOW);

    // Act
    const other = await subject.quotas.take(claim('req-9', { agentId: OTHER_AGENT }), LIMITS, NOW);

    // Assess
    expect(other).toEqual({ taken: true });
  });

  it('lists the requests holding the pending slots, and none once all gave theirs back', async () => {
    // Prepare
    await subject.quotas.take(claim('req-2'), LIMITS, NOW);
    await subject.quotas.take(claim('req-1'), LIMITS, NOW);

    // Act
    const held = await subject.quotas.pendingHolders(AGENT);
    await subject.quotas.releasePending(AGENT, 'req-1', NOW);
    await subject.quotas.releasePending(AGENT, 'req-2', NOW);

    // Assess
    expect(held).toEqual(['req-1', 'req-2']);
    expect(await subject.quotas.pendingHolders(AGENT)).toEqual([]);
    expect(await subject.quotas.pendingHolders(OTHER_AGENT)).toEqual([]);
  });

  it('releasing a slot that is not held changes nothing', async () => {
    // Act
    await subject.quotas.releasePending(AGENT, 'req-never', NOW);

    // Assess
    expect(await subject.quotas.take(claim('req-1'), LIMITS, NOW)).toEqual({ taken: true });
  });
});
