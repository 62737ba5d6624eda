import type { GrantSummary } from '../../../handlers/core/grant';
import { notifyExpiring, planExpiryNotice } from '../../../handlers/use-cases/notify-expiring';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { RecordingEventPublisher } from '../../fakes/ports/recording-event-publisher';
import { RecordingMailer } from '../../fakes/ports/recording-mailer';
import { elevationRequest, requestRecord } from '../../helpers/fixtures';

const ID = 'req-expiring-0001';
const NOW = new Date('2026-11-28T10:10:00Z');
const request = elevationRequest({ requestId: ID, minutes: 15, agentSource: 'jit.agent' });
const grant: GrantSummary = {
  grantId: `${ID}-${'a'.repeat(24)}`,
  requestId: ID,
  accountId: request.accountId,
  role: 'Ops',
  roleArn: `arn:aws:iam::${request.accountId}:role/AgentElevated-Ops`,
  accessKeyId: 'ASIAEXPIRING00000001',
  sourceIdentity: `jit-${ID}`,
  grantedAt: '2026-11-28T10:00:00Z',
  expiresAt: '2026-11-28T10:15:00Z',
  stsExpiresAt: '2026-11-28T10:16:00Z',
  resetScheduleName: `jit-reset-${ID}`,
};
const decision = { role: 'Ops', minutes: 15, approver: 'lead@example.com', decidedAt: '2026-11-28T09:59:00Z', channel: 'web' as const };
const routing = { approvers: ['lead@example.com', 'oncall@example.com'], quorum: 1, route: 'fallback' as const };
const settings = { approvers: ['lead@example.com', 'oncall@example.com'], sender: 'jit@example.com' };

describe('notifyExpiring', () => {
  let store: InMemoryRequestStore;
  let publisher: RecordingEventPublisher;
  let mailer: RecordingMailer;
  const deps = () => ({ store, publisher, mailer, settings, clock: { now: () => NOW } });
  beforeEach(() => {
    store = new InMemoryRequestStore();
    publisher = new RecordingEventPublisher();
    mailer = new RecordingMailer();
  });

  it('publishes Elevation Expiring for the agent and emails the approver who approved', async () => {
    // Prepare
    store.seed(requestRecord({ ...request, status: 'GRANTED', grant, decision, routing }));

    // Act
    const result = await notifyExpiring({ mode: 'expiring', request, grantId: grant.grantId }, deps());

    // Assess
    expect(result).toEqual({ notified: 1 });
    expect(publisher.events).toEqual([
      {
        outcome: 'Expiring',
        detail: { requestId: ID, account: request.accountId, accountName: 'prod', role: 'Ops', expiresAt: grant.expiresAt, grantId: grant.grantId, minutesLeft: 5, notified: 1, agentSource: 'jit.agent' },
      },
    ]);
    expect(mailer.sent).toEqual([expect.objectContaining({ from: 'jit@example.com', to: ['lead@example.com'], subject: `Expiring in 5 min: Ops in prod (request ${ID})` })]);
  });

  it('emails the routed approvers of a grant a rule approved', async () => {
    // Prepare
    store.seed(requestRecord({ ...request, status: 'GRANTED', grant, decision: { ...decision, approver: 'rule:read-only', channel: 'rule' } }));

    // Act
    await notifyExpiring({ mode: 'expiring', request, grantId: grant.grantId }, deps());

    // Assess: no routing on record (a rule approves before routing is stored): routed from the settings.
    expect(mailer.sent.map((e) => e.to)).toEqual([['lead@example.com', 'oncall@example.com']]);
  });

  it.each([
    ['revoked', { status: 'REVOKED' as const, revokedAt: '2026-11-28T10:05:00Z' }, 'not-granted'],
    ['ended', { status: 'ENDED' as const }, 'not-granted'],
    ['extended away', { status: 'GRANTED' as const, grant: { ...grant, grantId: `${ID}-${'b'.repeat(24)}` } }, 'extended'],
  ])('says nothing for a grant %s before its notice', async (_case, change, skipped) => {
    // Prepare
    store.seed(requestRecord({ ...request, grant, decision, routing, ...change }));

    // Act
    const result = await notifyExpiring({ mode: 'expiring', request, grantId: grant.grantId }, deps());

    // Assess
    expect(result).toEqual({ skipped });
    expect(publisher.events).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });
});

describe('planExpiryNotice', () => {
  it('takes the configured minutes, 5 when the settings say nothing', () => {
    const clock = { now: () => new Date('2026-11-28T10:00:01Z') };
    expect(planExpiryNotice({ mode: 'plan-notice', grant }, { settings: {}, clock })).toMatchObject({ due: true, at: '2026-11-28T10:10:00Z' });
    expect(planExpiryNotice({ mode: 'plan-notice', grant }, { settings: { beforeExpiryMinutes: 2 }, clock })).toMatchObject({ due: true, at: '2026-11-28T10:13:00Z' });
    expect(planExpiryNotice({ mode: 'plan-notice', grant }, { settings: { beforeExpiryMinutes: 0 }, clock })).toEqual({ due: false, why: 'off' });
  });
});
