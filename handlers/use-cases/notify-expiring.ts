import { z } from 'zod';
import { routeRequest } from '../core/approver-routing';
import type { BrokerEventDetail } from '../core/broker-event';
import type { BrokerSettings } from '../core/broker-settings';
import { elevationRequestSchema } from '../core/elevation-request';
import { DEFAULT_BEFORE_EXPIRY_MINUTES, type NoticePlan, type NoticeSkip, minutesLeft, noticeRecipients, noticeSkip, planNotice } from '../core/expiry-notice';
import { renderExpiryNoticeEmail } from '../core/expiry-notice-email';
import { grantSummarySchema } from '../core/grant';
import type { Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { Mailer } from '../ports/mailer';
import type { RequestStore } from '../ports/request-store';

/** PlanNotice: when the notice of the set in `$.grant` goes out (the notify function, `mode: plan-notice`). */
export const planNoticeInputSchema = z.object({ mode: z.literal('plan-notice'), grant: grantSummarySchema });

/** NotifyExpiring: the notice of the set PlanNotice planned for, once its moment came (`mode: expiring`). */
export const notifyExpiringInputSchema = z.object({
  mode: z.literal('expiring'),
  request: elevationRequestSchema,
  /** The set waited for (`$.notice.grantId`). */
  grantId: z.string().min(1),
});

export type PlanNoticeInput = z.infer<typeof planNoticeInputSchema>;
export type NotifyExpiringInput = z.infer<typeof notifyExpiringInputSchema>;

export interface PlanNoticeDeps {
  readonly settings: Pick<BrokerSettings, 'beforeExpiryMinutes'>;
  readonly clock: Clock;
}

export interface NotifyExpiringDeps {
  readonly store: RequestStore;
  readonly publisher: EventPublisher;
  readonly mailer: Mailer;
  readonly settings: Pick<BrokerSettings, 'approvers' | 'approvalRoutes' | 'sender'>;
  readonly clock: Clock;
}

export type NotifyExpiringResult = { readonly notified: number } | { readonly skipped: NoticeSkip };

/** PlanNotice: pure arithmetic on the grant and the configured minutes (handlers/core/expiry-notice.ts). */
export function planExpiryNotice(input: PlanNoticeInput, deps: PlanNoticeDeps): NoticePlan {
  return planNotice(input.grant, deps.settings.beforeExpiryMinutes ?? DEFAULT_BEFORE_EXPIRY_MINUTES, deps.clock.now());
}

/**
 * NotifyExpiring: reads the request back (only what it checks) and, while the set waited for is still its
 * live grant, publishes `Elevation Expiring` (the agent's queue receives it) and emails the approvers who
 * approved it. Revoked, ended or extended away in the meantime, it says nothing: an ended grant needs no
 * notice, and an extension's set gets a notice of its own.
 */
export async function notifyExpiring(input: NotifyExpiringInput, deps: NotifyExpiringDeps): Promise<NotifyExpiringResult> {
  const { request, grantId } = input;
  const facts = await deps.store.expiryFacts(request.requestId);
  const skip = noticeSkip(facts, grantId);
  if (skip || !facts?.grant) return { skipped: skip ?? 'not-granted' };
  const now = deps.clock.now();
  const left = minutesLeft(facts.grant.expiresAt, now);
  const routed = (facts.routing ?? routeRequest(deps.settings, request)).approvers;
  const recipients = noticeRecipients(facts.decision, routed);

  const detail: BrokerEventDetail = {
    requestId: request.requestId,
    account: request.accountId,
    accountName: request.accountName,
    role: facts.grant.role,
    expiresAt: facts.grant.expiresAt,
    grantId: facts.grant.grantId,
    minutesLeft: left,
    notified: recipients.length,
    ...(request.agentSource ? { agentSource: request.agentSource } : {}),
  };
  // The agent first: it is the one who can still act on the notice (finish, `jit end`, `jit extend`).
  await deps.publisher.publish({ outcome: 'Expiring', detail });
  if (recipients.length > 0) {
    const email = renderExpiryNoticeEmail({ request, role: facts.grant.role, expiresAt: facts.grant.expiresAt, minutesLeft: left });
    await deps.mailer.send({ from: deps.settings.sender, to: recipients, ...email });
  }
  return { notified: recipients.length };
}
