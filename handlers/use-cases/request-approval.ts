import { z } from 'zod';
import { encodeCapability, hashCapability, reviewLink, CAPABILITY_BYTES } from '../core/approval-capability';
import { renderApprovalEmail } from '../core/approval-email';
import type { BrokerSettings } from '../core/broker-settings';
import { elevationRequestSchema } from '../core/elevation-request';
import { MalformedTaskInputError } from '../core/errors';
import type { Clock, RandomSource } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { Mailer } from '../ports/mailer';
import type { RequestStore } from '../ports/request-store';

/** Step Functions task tokens are at most 2,048 characters (BRIEF §4). */
export const requestApprovalInputSchema = z.object({
  taskToken: z.string().min(1).max(2048),
  request: elevationRequestSchema,
});

export interface RequestApprovalDeps {
  readonly store: RequestStore;
  readonly mailer: Mailer;
  readonly publisher: EventPublisher;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Base URL of the approval endpoint; the review link is built on it. */
  readonly reviewBaseUrl: string;
}

export interface RequestApprovalResult {
  readonly requestId: string;
  readonly approvalDeadline: string;
}

/**
 * Parks the workflow until a human decides. The task token stays in the request store; the approver
 * gets a link with a fresh random capability whose hash is stored beside it, valid until the approval
 * window closes. A retried invocation issues a new capability, which makes the previous link invalid.
 */
export async function requestApproval(input: unknown, deps: RequestApprovalDeps): Promise<RequestApprovalResult> {
  const parsed = requestApprovalInputSchema.safeParse(input);
  if (!parsed.success) throw new MalformedTaskInputError('request-approval', parsed.error.message);
  const { taskToken, request } = parsed.data;

  const now = deps.clock.now();
  const approvalDeadline = new Date(now.getTime() + deps.settings.approvalWindowMinutes * 60_000);
  const capability = encodeCapability(deps.random.bytes(CAPABILITY_BYTES));
  await deps.store.awaitDecision(
    request.requestId,
    { taskToken, capabilityHash: hashCapability(capability), approvalDeadline: approvalDeadline.toISOString() },
    now,
  );

  const email = renderApprovalEmail({
    request,
    reviewUrl: reviewLink(deps.reviewBaseUrl, request.requestId, capability),
    approvalDeadline,
  });
  await deps.mailer.send({ from: deps.settings.sender, to: deps.settings.approvers, ...email });
  await deps.publisher.publish({
    outcome: 'Pending Approval',
    detail: {
      requestId: request.requestId,
      account: request.accountId,
      accountName: request.accountName,
      role: request.role,
      minutes: request.minutes,
      approvalDeadline: approvalDeadline.toISOString(),
    },
  });
  return { requestId: request.requestId, approvalDeadline: approvalDeadline.toISOString() };
}
