import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../../../../handlers/adapters/aws/dynamodb-request-store';
import type { IssuedCredentialsRecord } from '../../../../handlers/core/issued-credentials';
import type { ReportLocation } from '../../../../handlers/core/report-location';
import { FakeDynamoDb } from '../../../fakes/fake-dynamodb';
import { elevationRequest } from '../../../helpers/fixtures';

const request = elevationRequest({ requestedAt: '2026-11-28T10:00:00.000Z' });
const now = new Date('2026-11-28T10:00:01Z');
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
