import type { SlackMessage } from '../../../handlers/core/slack-message';
import type { ChatAlerts } from '../../../handlers/ports/chat-alerts';
import { acknowledgeBreakGlass, breakGlassApprove } from '../../../handlers/use-cases/break-glass';
import { ManualClock, approvalSettings, inMemoryApproval, pendingInMemory } from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

const ONCALL = { approver: 'oncall@example.com', principal: 'arn:aws:iam::111111111111:user/oncall' };
const LEAD = { approver: 'security-lead@example.com', principal: 'arn:aws:iam::111111111111:user/security-lead' };

class RecordingAlerts implements ChatAlerts {
  readonly posted: SlackMessage[] = [];
  constructor(private readonly fails = false) {}
  async alert(message: SlackMessage): Promise<number> {
    if (this.fails) throw new Error('slack is down');
    this.posted.push(message);
    return 1;
  }
}

function setUp(chat?: ChatAlerts) {
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const settings = { ...approvalSettings([ONCALL.approver, LEAD.approver]), breakGlassRoles: { Ops: { maxMinutes: 15 } } };
  const approval = inMemoryApproval(settings, clock);
  return { approval, clock, deps: { ...approval.deps, ...(chat ? { chatAlerts: chat } : {}) } };
}

describe('Use case: break-glass', () => {
  it('alerts Slack beside the email and the event, the reason only as plain text', async () => {
    // Prepare
    const chat = new RecordingAlerts();
    const { approval, deps } = setUp(chat);
    await pendingInMemory(approval, elevationRequest(REVIEW_REQUEST, { requester: ONCALL.approver, minutes: 10 }));

    // Act
    const outcome = await breakGlassApprove('req-review-0001', ONCALL, { reason: 'Down <!channel>' }, deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'approved', alerts: { email: true, event: true, slack: true } });
    expect(chat.posted).toHaveLength(1);
    expect(chat.posted[0].text).toBe('BREAK-GLASS: oncall@example.com approved their own Ops in prod (request req-review-0001)');
    expect(chat.posted[0].blocks).toContainEqual({ type: 'section', text: { type: 'plain_text', text: 'Break-glass reason: Down <!channel>', emoji: false } });
    expect(approval.publisher.events.map((e) => e.outcome)).toContain('Break Glass');
  });

  it('keeps the delivered decision when Slack fails, and says so', async () => {
    // Prepare
    const { approval, deps } = setUp(new RecordingAlerts(true));
    await pendingInMemory(approval, elevationRequest(REVIEW_REQUEST, { requester: ONCALL.approver, minutes: 10 }));

    // Act
    const outcome = await breakGlassApprove('req-review-0001', ONCALL, { reason: 'Down' }, deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'approved', alerts: { email: true, event: true, slack: false } });
    expect(await approval.store.get('req-review-0001')).toMatchObject({ decision: { breakGlass: { reason: 'Down', maxMinutes: 15 } } });
  });

  it('sends no Slack alert without Slack; an ack of an unknown request finds nothing', async () => {
    // Prepare
    const { approval, deps } = setUp();
    await pendingInMemory(approval, elevationRequest(REVIEW_REQUEST, { requester: ONCALL.approver, minutes: 10 }));

    // Act
    const outcome = await breakGlassApprove('req-review-0001', ONCALL, { reason: 'Down' }, deps);
    const unknown = await acknowledgeBreakGlass('req-unknown-0001', LEAD, deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'approved', alerts: { email: true, event: true } });
    expect(outcome.kind === 'approved' && outcome.alerts).toEqual({ email: true, event: true });
    expect(unknown).toEqual({ kind: 'not-found' });
  });
});
