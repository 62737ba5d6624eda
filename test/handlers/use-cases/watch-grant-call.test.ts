import type { BrokerEvent } from '../../../handlers/core/broker-event';
import type { GrantSummary } from '../../../handlers/core/grant';
import type { RequestRecord } from '../../../handlers/core/request-record';
import type { RevocationPolicy } from '../../../handlers/core/revocation-policy';
import { type CloudTrailApiCallEvent, DEFAULT_TRIPWIRE_DENY_LIST, type TripwireSettings, cloudTrailApiCallEventSchema } from '../../../handlers/core/tripwire';
import type { OutgoingEmail } from '../../../handlers/ports/mailer';
import { watchGrantCall, type WatchGrantCallDeps } from '../../../handlers/use-cases/watch-grant-call';
import { InMemoryGrantLeases } from '../../fakes/ports/in-memory-grant-leases';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { InMemoryTripwireState } from '../../fakes/ports/in-memory-tripwire-state';
import { ManualClock } from '../../helpers/approval-fixtures';
import { requestRecord } from '../../helpers/fixtures';

const REQUEST_ID = 'req-trip-0001';
const PROD = '222222222222';
const SETTINGS: TripwireSettings = { denyListedActions: [...DEFAULT_TRIPWIRE_DENY_LIST], accessDenied: { count: 3, withinSeconds: 60 }, unplannedCalls: true };

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function grantedRecord(now: Date, plannedActions: string[] = []): RequestRecord {
  const grant: GrantSummary = {
    grantId: `${REQUEST_ID}-${'c'.repeat(24)}`,
    requestId: REQUEST_ID,
    accountId: PROD,
    role: 'Ops',
    roleArn: `arn:aws:iam::${PROD}:role/AgentElevated-Ops`,
    accessKeyId: 'ASIATRIP000000000001',
    sourceIdentity: `jit-${REQUEST_ID}`,
    grantedAt: iso(now),
    expiresAt: iso(new Date(now.getTime() + 15 * 60_000)),
    stsExpiresAt: iso(new Date(now.getTime() + 15 * 60_000)),
    resetScheduleName: `jit-reset-${REQUEST_ID}`,
  };
  return requestRecord({ requestId: REQUEST_ID, reason: 'Restart the worker', requestedAt: now.toISOString(), status: 'GRANTED', grant, plannedActions });
}

/** The event EventBridge delivers for one CloudTrail record (docs/security-model.md#tripwires). */
function apiCall(n: number, at: Date, eventSource: string, eventName: string, options: { errorCode?: string; sourceIdentity?: string; account?: string } = {}): CloudTrailApiCallEvent {
  return cloudTrailApiCallEventSchema.parse({
    version: '0',
    id: `eb-${n}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${eventSource.split('.')[0]}`,
    account: options.account ?? PROD,
    time: iso(at),
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      eventTime: iso(at),
      eventSource,
      eventName,
      awsRegion: 'eu-west-1',
      recipientAccountId: options.account ?? PROD,
      ...(options.errorCode ? { errorCode: options.errorCode } : {}),
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-${REQUEST_ID}`,
        accessKeyId: 'ASIATRIP000000000001',
        sessionContext: { sourceIdentity: options.sourceIdentity ?? `jit-${REQUEST_ID}` },
      },
    },
  });
}

function world(record: RequestRecord, clock: ManualClock, settings: TripwireSettings = SETTINGS) {
  const store = new InMemoryRequestStore();
  store.seed(record);
  const calls = { resets: 0, denies: [] as RevocationPolicy[], events: [] as BrokerEvent[], emails: [] as OutgoingEmail[] };
  const deps: WatchGrantCallDeps = {
    store,
    clock,
    resetter: { reset: async () => (calls.resets++, 'reset') },
    revoker: { attachDeny: async (_a, _r, policy) => void calls.denies.push(policy), removeDeny: async () => 'removed' },
    lifts: { scheduleLift: async () => undefined },
    verifier: { verify: async () => ({ ok: false, reason: 'not used' }) },
    publisher: { publish: async (e) => void calls.events.push(e) },
    leases: new InMemoryGrantLeases(),
    tripwires: settings,
    state: new InMemoryTripwireState(),
    mailer: { send: async (email) => void calls.emails.push(email) },
    approvers: ['security-lead@example.com'],
    sender: 'jit@example.com',
  };
  return { store, deps, calls };
}

describe('watchGrantCall (tripwires)', () => {
  const start = new Date('2026-11-28T10:00:00Z');
  const clock = new ManualClock(new Date('2026-11-28T10:02:00Z'));

  it('revokes the grant at once on an attempt at a deny-listed action, and says which call and which rule', async () => {
    // Prepare
    const { store, deps, calls } = world(grantedRecord(start), clock);

    // Act
    const outcome = await watchGrantCall(apiCall(1, new Date('2026-11-28T10:01:00Z'), 'ec2.amazonaws.com', 'TerminateInstances', { errorCode: 'Client.UnauthorizedOperation' }), deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'tripped', trip: { rule: 'deny-listed-action', call: { iamAction: 'ec2:TerminateInstances' } } });
    expect(calls.resets).toBe(1);
    expect(calls.denies.map((d) => d.name)).toEqual([`jit-revoked-${REQUEST_ID}`]);
    const record = await store.get(REQUEST_ID);
    expect(record).toMatchObject({ status: 'REVOKED', revokedBy: 'jit-broker-tripwire' });
    expect(record?.revokeReason).toContain('Tripwire deny-listed-action');
    expect(record?.revokeReason).toContain('ec2:TerminateInstances');
    expect(calls.events.map((e) => e.outcome)).toEqual(['Tripped']);
    expect(calls.events[0]?.detail).toMatchObject({ requestId: REQUEST_ID, rule: 'deny-listed-action', endedBy: 'tripwire', call: { iamAction: 'ec2:TerminateInstances' } });
    expect(calls.emails).toHaveLength(1);
    expect(calls.emails[0]).toMatchObject({ from: 'jit@example.com', to: ['security-lead@example.com'] });
    expect(calls.emails[0]?.text).toContain('ec2:TerminateInstances');
  });

  it('revokes once when two matching events arrive, and alerts once', async () => {
    const { deps, calls } = world(grantedRecord(start), clock);

    const first = await watchGrantCall(apiCall(1, new Date('2026-11-28T10:01:00Z'), 'ec2.amazonaws.com', 'DeleteVpc'), deps);
    const second = await watchGrantCall(apiCall(2, new Date('2026-11-28T10:01:01Z'), 'rds.amazonaws.com', 'DeleteDBCluster'), deps);

    expect(first.kind).toBe('tripped');
    expect(second.kind).toBe('already-ended');
    expect(calls.resets).toBe(1);
    expect(calls.denies).toHaveLength(1);
    expect(calls.events).toHaveLength(1);
    expect(calls.emails).toHaveLength(1);
  });

  it('trips on the Nth AccessDenied within M seconds, counting a redelivered event once', async () => {
    const { deps, calls } = world(grantedRecord(start), clock);
    const denied = (n: number, second: number) => apiCall(n, new Date(Date.parse('2026-11-28T10:01:00Z') + second * 1000), 's3.amazonaws.com', 'ListBuckets', { errorCode: 'AccessDenied' });

    expect((await watchGrantCall(denied(1, 0), deps)).kind).toBe('watched');
    expect((await watchGrantCall(denied(1, 0), deps)).kind).toBe('watched'); // the same event again
    expect((await watchGrantCall(denied(2, 20), deps)).kind).toBe('watched');
    const third = await watchGrantCall(denied(3, 40), deps);

    expect(third).toMatchObject({ kind: 'tripped', trip: { rule: 'access-denied-burst' } });
    expect(calls.events[0]?.detail.reason).toContain('3 refused calls within 60 s');
  });

  it('does not trip on AccessDenied spread wider than the window', async () => {
    const { deps, calls } = world(grantedRecord(start), clock);
    const denied = (n: number, second: number) => apiCall(n, new Date(Date.parse('2026-11-28T10:01:00Z') + second * 1000), 's3.amazonaws.com', 'ListBuckets', { errorCode: 'AccessDenied' });

    for (const [n, s] of [[1, 0], [2, 61], [3, 122]] as const) expect((await watchGrantCall(denied(n, s), deps)).kind).toBe('watched');

    expect(calls.resets).toBe(0);
  });

  it('trips on a call outside the plan when the request named IAM actions', async () => {
    const { deps } = world(grantedRecord(start, ['ecs:UpdateService', 'ecs:Describe*']), clock);

    expect((await watchGrantCall(apiCall(1, new Date('2026-11-28T10:01:00Z'), 'ecs.amazonaws.com', 'DescribeServices'), deps)).kind).toBe('watched');
    const outcome = await watchGrantCall(apiCall(2, new Date('2026-11-28T10:01:05Z'), 'iam.amazonaws.com', 'ListUsers'), deps);

    expect(outcome).toMatchObject({ kind: 'tripped', trip: { rule: 'unplanned-call', call: { iamAction: 'iam:ListUsers' } } });
  });

  it('does not judge the plan of a request without IAM actions in it, nor a normal call', async () => {
    const { deps, calls } = world(grantedRecord(start, ['restart the worker']), clock);

    const outcome = await watchGrantCall(apiCall(1, new Date('2026-11-28T10:01:00Z'), 'ecs.amazonaws.com', 'UpdateService'), deps);

    expect(outcome).toEqual({ kind: 'watched', requestId: REQUEST_ID });
    expect(calls.resets + calls.events.length + calls.emails.length).toBe(0);
  });

  it('ignores sessions that are not this grant: another source identity, another account', async () => {
    const { deps, calls } = world(grantedRecord(start), clock);

    const other = await watchGrantCall(apiCall(1, new Date('2026-11-28T10:01:00Z'), 'ec2.amazonaws.com', 'TerminateInstances', { sourceIdentity: 'alice' }), deps);
    const elsewhere = await watchGrantCall(apiCall(2, new Date('2026-11-28T10:01:00Z'), 'ec2.amazonaws.com', 'TerminateInstances', { account: '333333333333' }), deps);

    expect(other.kind).toBe('ignored');
    expect(elsewhere.kind).toBe('ignored');
    expect(calls.resets).toBe(0);
  });
});
