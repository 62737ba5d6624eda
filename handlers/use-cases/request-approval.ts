import { z } from 'zod';
import { encodeCapability, hashCapability, reviewLink, CAPABILITY_BYTES } from '../core/approval-capability';
import { renderApprovalEmail } from '../core/approval-email';
import { routeRequest } from '../core/approver-routing';
import { grantScopeOf, grantScopeText } from '../core/grant-scope';
import { type PolicyProofs, describeProofs } from '../core/policy-proofs';
import { PlanTooLargeError } from '../core/session-policy';
import { requestSessionPolicy } from '../core/request-session-policy';
import { rolePermissionsOf } from '../core/role-permissions';
import type { PolicyProver } from '../ports/policy-prover';
import type { BrokerSettings } from '../core/broker-settings';
import { elevationRequestSchema } from '../core/elevation-request';
import type { ChatAudience, ChatNotifier, PostedPrompt } from '../ports/chat-notifier';
import type { Clock, RandomSource } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { Mailer } from '../ports/mailer';
import type { RequestStore } from '../ports/request-store';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { approvingRule } from '../core/approval-rules';
import { approveByRule } from './approve-by-rule';
import { proveSessionPolicy } from './prove-session-policy';

/** Step Functions task tokens are at most 2,048 characters (docs/aws-facts.md). */
export const requestApprovalInputSchema = z.object({
  taskToken: z.string().min(1).max(2048),
  request: elevationRequestSchema,
});

export type RequestApprovalInput = z.infer<typeof requestApprovalInputSchema>;

export interface RequestApprovalDeps {
  readonly store: RequestStore;
  readonly mailer: Mailer;
  readonly publisher: EventPublisher;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Base URL of the approval endpoint; the review link is built on it. */
  readonly reviewBaseUrl: string;
  /** Slack, when configured: the prompt with Approve/Deny goes there as well as the email. */
  readonly chat?: ChatNotifier;
  /** Answers the task for a rule that approves without a human (`approval.rules`); without it, humans decide all. */
  readonly callbacks?: TaskCallbacks;
  /**
   * IAM Access Analyzer, to prove the session policy a grant as requested would get before anyone is
   * asked; without it (or where it cannot answer: the sandbox) every check is "not proven".
   */
  readonly prover?: PolicyProver;
}

export interface RequestApprovalResult {
  readonly requestId: string;
  readonly approvalDeadline: string;
  /** Where the chat prompt went, or why it did not; absent without a chat. The email went out either way. */
  readonly chat?: { readonly posted: readonly PostedPrompt[] } | { readonly failed: unknown };
  /** `rule:<name>` when a rule approved the request: nobody was asked. */
  readonly approvedBy?: string;
}

/**
 * Parks the workflow until a human decides. The task token stays in the request store; each approver
 * gets an email with a link of their own, carrying a fresh random capability whose hash is stored beside
 * the token, valid until the approval window closes. Links of their own let the decision name who made
 * it. A retried invocation (Step Functions runs the task again after a Lambda service error) mails
 * nobody again once every approver was mailed: it keeps their links and stores the new token. A retry
 * before that issues new links, which makes the previous ones invalid.
 */
export async function requestApproval(input: RequestApprovalInput, deps: RequestApprovalDeps): Promise<RequestApprovalResult> {
  const { taskToken, request } = input;

  const now = deps.clock.now();
  // A retry after the approvers were mailed (the answer was lost, or publishing failed): keep their links.
  const resumed = await deps.store.resumeAwaitDecision(request.requestId, taskToken, now);
  if (resumed) {
    await publishPending(request, resumed.approvalDeadline, deps, resumed.approvalProofs);
    return { requestId: request.requestId, approvalDeadline: resumed.approvalDeadline };
  }
  const approvalDeadline = new Date(now.getTime() + deps.settings.approvalWindowMinutes * 60_000);
  // Only the approvers routed to this account and role, never the requester (approver-routing.ts).
  const routing = routeRequest(deps.settings, request);
  // A rule that approves without a human: the token is stored without links, and the rule decides. Never
  // where the route asks for a quorum: N distinct people must approve those.
  if (deps.callbacks && routing.quorum <= 1 && approvingRule(deps.settings, request, now)) {
    await deps.store.awaitDecision(request.requestId, { taskToken, approverLinks: {}, approvalDeadline: approvalDeadline.toISOString() }, now);
    const byRule = await approveByRule(request, { ...deps, callbacks: deps.callbacks });
    if (byRule) await publishPending(request, approvalDeadline.toISOString(), deps);
    if (byRule) return { requestId: request.requestId, approvalDeadline: approvalDeadline.toISOString(), approvedBy: byRule.approvedBy };
  }
  if (routing.approvers.length < routing.quorum) {
    // The config loader refuses a route that cannot be met; a requester who is one of too few approvers can still leave it short.
    throw new Error(`Request ${request.requestId} needs ${routing.quorum} approvals but only ${routing.approvers.length} approver(s) may decide it (${routing.approvers.join(', ') || 'nobody'})`);
  }
  // Proved before anyone is asked, and stored with the approval: the page and `jit pending` show it without
  // asking Access Analyzer again. The mint proves the exact policy it passes once more (docs/security-model.md).
  const approvalProofs = await proofsAsRequested(request, deps, now);
  const links = routing.approvers.map((approver) => ({
    approver,
    capability: encodeCapability(deps.random.bytes(CAPABILITY_BYTES)),
  }));
  await deps.store.awaitDecision(
    request.requestId,
    {
      taskToken,
      approverLinks: Object.fromEntries(links.map((link) => [hashCapability(link.capability), link.approver])),
      approvalDeadline: approvalDeadline.toISOString(),
      routing,
      ...(approvalProofs ? { approvalProofs } : {}),
    },
    now,
  );

  // What this grant can do against the whole role, evaluated from the role's policy and the session policy.
  const scope = grantScopeText(grantScopeOf(request, deps.settings, now));
  const proofs = approvalProofs ? describeProofs(approvalProofs) : undefined;
  for (const link of links) {
    const email = renderApprovalEmail({
      request,
      scope,
      ...(proofs ? { proofs } : {}),
      reviewUrl: reviewLink(deps.reviewBaseUrl, request.requestId, link.capability),
      approvalDeadline,
    });
    await deps.mailer.send({ from: deps.settings.sender, to: [link.approver], ...email });
  }
  // Recorded before the chat prompt: once every approver has their email, a retry mails nobody again.
  await deps.store.markApprovalMailed(request.requestId, taskToken, deps.clock.now());
  const chat = deps.chat
    ? await announce(deps.chat, input.request, approvalDeadline, links, deps.reviewBaseUrl, { approvers: routing.approvers, ...(routing.slackChannel ? { channel: routing.slackChannel } : {}) }, scope, proofs)
    : undefined;
  if (chat && 'posted' in chat && chat.posted.length > 0) await deps.store.recordChatPrompts(request.requestId, chat.posted, deps.clock.now());
  await publishPending(request, approvalDeadline.toISOString(), deps, approvalProofs);
  return { requestId: request.requestId, approvalDeadline: approvalDeadline.toISOString(), ...(chat ? { chat } : {}) };
}

/**
 * The proofs of the session policy a grant as requested would get: the requested minutes from now, the
 * audited regions and the plan, built by the mint's own builder (grantSessionPolicy). Undefined only for a
 * plan too large for STS, which Register refuses before this.
 */
async function proofsAsRequested(request: RequestApprovalInput['request'], deps: RequestApprovalDeps, now: Date): Promise<PolicyProofs | undefined> {
  let sessionPolicy: string;
  try {
    sessionPolicy = requestSessionPolicy(request, deps.settings, { expiresAt: new Date(now.getTime() + request.minutes * 60_000), now }).json;
  } catch (error) {
    if (error instanceof PlanTooLargeError) return undefined;
    throw error;
  }
  const rolePolicy = rolePermissionsOf(deps.settings, request.role)?.json;
  return proveSessionPolicy({ sessionPolicy, ...(rolePolicy ? { rolePolicy } : {}) }, deps.prover);
}

/**
 * `Elevation Pending Approval`, at least once: a retried approval request publishes it again, with the proofs
 * stored by the first attempt. `approvalProofs` is each check's PASS/FAIL/not proven as the approvers see it
 * (the verdict, and per check its name, subject and status); absent when a rule approved (nobody was asked).
 */
async function publishPending(request: RequestApprovalInput['request'], approvalDeadline: string, deps: RequestApprovalDeps, proofs?: PolicyProofs): Promise<void> {
  await deps.publisher.publish({
    outcome: 'Pending Approval',
    detail: {
      requestId: request.requestId,
      account: request.accountId,
      accountName: request.accountName,
      role: request.role,
      minutes: request.minutes,
      approvalDeadline,
      ...(proofs ? { approvalProofs: { verdict: proofs.verdict, checks: proofs.checks.map((c) => ({ check: c.check, subject: c.subject, status: c.status })) } } : {}),
    },
  });
}

/**
 * Posts the chat prompt. A direct message carries its recipient's own review link (the one their email
 * has); a channel copy carries none, since a link decides as its owner and a channel has many readers.
 * A chat failure never fails the task: the emails are out and recorded, and a retry keeps their links
 * without posting again.
 */
async function announce(
  chat: ChatNotifier,
  request: RequestApprovalInput['request'],
  approvalDeadline: Date,
  links: ReadonlyArray<{ approver: string; capability: string }>,
  reviewBaseUrl: string,
  audience: ChatAudience,
  scope: readonly string[],
  proofs: readonly string[] | undefined,
): Promise<NonNullable<RequestApprovalResult['chat']>> {
  try {
    const posted = await chat.announce((recipient) => {
      const link = recipient.kind === 'direct' ? links.find((l) => l.approver === recipient.approver) : undefined;
      return { request, approvalDeadline, scope, ...(proofs ? { proofs } : {}), ...(link ? { reviewUrl: reviewLink(reviewBaseUrl, request.requestId, link.capability) } : {}) };
    }, audience);
    return { posted };
  } catch (error) {
    return { failed: error };
  }
}
