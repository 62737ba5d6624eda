import { z } from 'zod';
import { BROKER_EVENT_SOURCE, BROKER_OUTCOMES, type BrokerEventDetail, type BrokerOutcome, detailTypeFor } from './broker-event';
import { REQUEST_ID_PATTERN } from './elevation-request';

/**
 * A broker event as the agent receives it from its notification queue: the EventBridge envelope,
 * delivered as the SQS message body. Everything is validated; a message that is not a broker event
 * about a request is ignored rather than trusted.
 */
const envelopeSchema = z.object({
  id: z.string().min(1).max(128),
  source: z.literal(BROKER_EVENT_SOURCE),
  'detail-type': z.string(),
  time: z.iso.datetime().optional(),
  detail: z.looseObject({ requestId: z.string().regex(REQUEST_ID_PATTERN) }),
});

const OUTCOME_BY_DETAIL_TYPE = new Map<string, BrokerOutcome>(BROKER_OUTCOMES.map((o) => [detailTypeFor(o), o]));

export interface BrokerNotification {
  readonly eventId: string;
  readonly requestId: string;
  readonly outcome: BrokerOutcome;
  /** When EventBridge received the event. */
  readonly time?: string;
  readonly detail: BrokerEventDetail;
}

export function parseBrokerNotification(body: string): BrokerNotification | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const outcome = OUTCOME_BY_DETAIL_TYPE.get(parsed.data['detail-type']);
  if (!outcome) return undefined;
  return {
    eventId: parsed.data.id,
    requestId: parsed.data.detail.requestId,
    outcome,
    ...(parsed.data.time ? { time: parsed.data.time } : {}),
    detail: parsed.data.detail as BrokerEventDetail,
  };
}

/** Outcomes that settle a request's wait for a decision: granted, or ended without a grant. */
export const DECISION_OUTCOMES: ReadonlySet<BrokerOutcome> = new Set(['Granted', 'Denied', 'Approval Expired', 'Rejected', 'Failed', 'Refused']);

/** Outcomes that answer an agent's request to end its grant. */
export const END_OUTCOMES: ReadonlySet<BrokerOutcome> = new Set(['Ended', 'End Refused']);

/**
 * Outcomes the notification queue carries (the audit, hours later, is read with `jit report`); a caller
 * refused as no configured approver, on the approver routes or in Slack, is no news for the agent.
 */
export const NOTIFIED_OUTCOMES: readonly BrokerOutcome[] = BROKER_OUTCOMES.filter((o) => o !== 'Audited' && o !== 'Approver Refused' && o !== 'Break Glass');
