import { capabilityMatches, isWellFormedCapability } from '../core/approval-capability';
import { grantScopeOf, grantScopeText } from '../core/grant-scope';
import {
  type ApprovalDecision,
  type DecisionChannel,
  type Denial,
  type Verdict,
  approvalTerms,
  approverText,
} from '../core/approval-decision';
import { type QuorumApproval, approvalsInOrder, quorumConflict, quorumDecision } from '../core/approval-quorum';
import { type RequestRouting, mayDecide, routingOf, sameApprover } from '../core/approver-routing';
import { type BrokerSettings, type ElevatedRole, findAccount } from '../core/broker-settings';
import { renderQuorumProgressEmail } from '../core/quorum-email';
import { renderConfirmationEmail, type ConfirmedDecision } from '../core/confirmation-email';
import type { RequestRecord } from '../core/request-record';
import { narrowingChoices } from '../core/role-order';
import { type RequestView, requestView as view } from '../core/request-view';
import type { Clock } from '../ports/clock';
import type { Mailer } from '../ports/mailer';
import type { DecisionClaim, RequestStore } from '../ports/request-store';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { pendingDelivery, redeliverDecision, sendDecision } from './redeliver-decision';

export interface DecideRequestDeps {
  readonly store: RequestStore;
  readonly callbacks: TaskCallbacks;
  readonly mailer: Mailer;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

/**
 * What entitles a caller to decide. A link holder proves it with the capability from their email; a CLI
 * caller was already authenticated by AWS (IAM allowed the call) and is named by their principal ARN.
 */
export type DecisionAuthority =
  | { readonly channel: 'web'; readonly capability: string }
  /**
   * A terminal approver, authenticated by IAM on the approver routes and mapped to a configured approver:
   * `approver` is who they are in the config, `principal` the IAM ARN API Gateway authenticated.
   */
  | { readonly channel: 'cli'; readonly approver: string; readonly principal?: string }
  /** A Slack button press whose signature was verified and whose Slack user id maps to this approver. */
  | { readonly channel: 'slack'; readonly approver: string }
  /** A rule of `approval.rules` that approves the request (`rule:<name>`), applied by RequestApproval itself. */
  | { readonly channel: 'rule'; readonly approver: string };

/** Outcomes that say why nothing can be decided (any more). */
export type ClosedOutcome =
  /** Unknown request, or a link that is not (or no longer) one of its links: one answer for both. */
  | { readonly kind: 'not-found' }
  | { readonly kind: 'expired'; readonly request: RequestView }
  /**
   * Someone decided already: the view holds `decision` or `denial`. `redelivered` when that decision had
   * not reached the workflow (its delivery was interrupted) and this call delivered it.
   */
  | { readonly kind: 'decided'; readonly request: RequestView; readonly redelivered?: true }
  /** Over for another reason (rejected, failed, no decision on record). */
  | { readonly kind: 'closed'; readonly request: RequestView };

/**
 * The caller is a configured approver, but not one this request is routed to, or its requester
 * (approver-routing.ts). A link is only ever issued to a routed approver, so this is the CLI and Slack.
 */
export type NotRouted = { readonly kind: 'not-routed'; readonly request: RequestView; readonly reason: string };

export interface DecisionForm {
  readonly request: RequestView;
  readonly approver: string;
  /** The roles the approver may pick: the requested one and those the config declares narrower (role-order.ts). */
  readonly roles: readonly ElevatedRole[];
  /** What a grant of the request can do against its role (`grantScopeText`), shown on the review page. */
  readonly scope: readonly string[];
}

export type ReviewOutcome = ClosedOutcome | NotRouted | ({ readonly kind: 'pending' } & DecisionForm);

export type DecideOutcome =
  | ClosedOutcome
  | NotRouted
  /** The verdict does not fit the config; nothing changed. */
  | ({ readonly kind: 'invalid'; readonly problems: readonly string[]; readonly verdict: Verdict } & DecisionForm)
  | { readonly kind: 'approved'; readonly request: RequestView; readonly decision: ApprovalDecision; readonly confirmation: Confirmation }
  | { readonly kind: 'denied'; readonly request: RequestView; readonly denial: Denial; readonly confirmation: Confirmation }
  /**
   * An approval counted towards a quorum that is not reached yet; nothing went to the workflow.
   * `duplicate` when this approver had already been counted: nothing changed.
   */
  | {
      readonly kind: 'counted';
      readonly request: RequestView;
      readonly approval: QuorumApproval;
      readonly approvals: readonly QuorumApproval[];
      readonly quorum: number;
      readonly duplicate: boolean;
    }
  /** The workflow could not be reached; the claim was released and nothing changed. Try again. */
  | { readonly kind: 'unavailable'; readonly request: RequestView; readonly error: unknown }
  /**
   * Someone decided already, but the decision has not reached the workflow yet (its delivery was
   * interrupted, and trying again just now failed too). The decision stands; trying again delivers it.
   */
  | { readonly kind: 'delivery-pending'; readonly request: RequestView };

/** Whether the confirmation email went out; a failed one never undoes a delivered decision. */
export type Confirmation = { readonly sent: true } | { readonly sent: false; readonly error: unknown };

/**
 * Finds which approver a capability belongs to. Every stored hash is compared, in constant time each,
 * so the time taken does not depend on which link (if any) matched.
 */
function authorize(
  record: RequestRecord,
  authority: DecisionAuthority,
): { approver: string; link?: { capabilityHash: string; approver: string } } | undefined {
  if (authority.channel !== 'web') return { approver: authority.approver };
  if (!isWellFormedCapability(authority.capability)) return undefined;
  let found: { capabilityHash: string; approver: string } | undefined;
  for (const [capabilityHash, approver] of Object.entries(record.approverLinks ?? {})) {
    if (capabilityMatches(authority.capability, capabilityHash) && !found) found = { capabilityHash, approver };
  }
  return found ? { approver: found.approver, link: found } : undefined;
}

/** The IAM principal behind a terminal decision, for the record and the audit report. */
function principalOf(authority: DecisionAuthority): { principal?: string } {
  return authority.channel === 'cli' && authority.principal ? { principal: authority.principal } : {};
}

/** Why a configured approver may not decide this request, or undefined when they may. */
function notRouted(record: RequestRecord, approver: string, settings: BrokerSettings, breakGlass = false): NotRouted | undefined {
  const routing = routingOf(record, settings);
  if (mayDecide(routing, approver)) return undefined;
  // Break-glass is the requester's own approval (use-cases/break-glass.ts): a routed approver, left out only as the requester.
  if (breakGlass && routing.requesterExcluded && sameApprover(routing.requesterExcluded, approver)) return undefined;
  const reason =
    routing.requesterExcluded && sameApprover(routing.requesterExcluded, approver)
      ? `${approver} is the requester of this request and cannot approve or deny it`
      : `request ${record.requestId} (${record.role} in ${record.accountName}) is routed to ${routing.approvers.join(', ')}, not to ${approver}`;
  return { kind: 'not-routed', request: view(record), reason };
}

function standing(record: RequestRecord, now: Date): 'pending' | ClosedOutcome['kind'] {
  if (record.status === 'PENDING_APPROVAL') {
    const open = record.taskToken !== undefined && record.approvalDeadline !== undefined && Date.parse(record.approvalDeadline) > now.getTime();
    return open ? 'pending' : 'expired';
  }
  if (record.status === 'APPROVAL_EXPIRED') return 'expired';
  return record.decision || record.denial ? 'decided' : 'closed';
}

function closed(record: RequestRecord, kind: ClosedOutcome['kind']): ClosedOutcome {
  return kind === 'not-found' ? { kind } : { kind, request: view(record) };
}

function form(record: RequestRecord, approver: string, settings: BrokerSettings): DecisionForm {
  const account = findAccount(settings, record.accountId);
  // Evaluated as of the request (the scope does not depend on the time inside the window).
  const scope = grantScopeText(grantScopeOf(record, settings, new Date(record.requestedAt)));
  return { request: view(record), approver, roles: account ? narrowingChoices(settings, account, record.role) : [], scope };
}

/**
 * What the holder of a review link (or a CLI approver) may see. Changes nothing: mail scanners open links.
 */
export async function reviewRequest(requestId: string, authority: DecisionAuthority, deps: DecideRequestDeps): Promise<ReviewOutcome> {
  const record = await deps.store.get(requestId);
  const auth = record && authorize(record, authority);
  if (!record || !auth) return { kind: 'not-found' };
  // A rule is not a person routing applies to: RequestApproval applies it only where one approval suffices.
  const refused = authority.channel === 'rule' ? undefined : notRouted(record, auth.approver, deps.settings);
  if (refused) return refused;
  const kind = standing(record, deps.clock.now());
  return kind === 'pending' ? { kind, ...form(record, auth.approver, deps.settings) } : closed(record, kind);
}

/**
 * Decides a pending request once (invariant 7, docs/security-invariants.md): authorize, check the verdict against the config, take the
 * single decision with a conditional write, then answer the waiting workflow. The workflow publishes the
 * Granted/Denied event itself; every approver gets a short confirmation email.
 *
 * Forged, replayed, expired and already-decided attempts return an outcome that says so and change
 * nothing. If the workflow cannot be reached (after a few tries), the claim is released so the approver
 * can try again. A decision whose delivery was interrupted after its claim (the function died in between)
 * is delivered by the next approve or deny of the request, whoever sends it (`redeliver-decision.ts`).
 */
export async function decideRequest(
  requestId: string,
  authority: DecisionAuthority,
  verdict: Verdict,
  deps: DecideRequestDeps,
): Promise<DecideOutcome> {
  const record = await deps.store.get(requestId);
  const auth = record && authorize(record, authority);
  if (!record || !auth) return { kind: 'not-found' };
  // Only a terminal approver, authenticated by IAM, can break glass (use-cases/break-glass.ts checks the rest).
  const breakGlass = verdict.action === 'approve' && verdict.breakGlass !== undefined && authority.channel === 'cli' ? verdict.breakGlass : undefined;
  // A rule is not a person routing applies to: RequestApproval applies it only where one approval suffices.
  const refused = authority.channel === 'rule' ? undefined : notRouted(record, auth.approver, deps.settings, breakGlass !== undefined);
  if (refused) return refused;
  const now = deps.clock.now();
  const kind = standing(record, now);
  const stranded = pendingDelivery(record);
  if (stranded) {
    const delivery = await redeliverDecision(record, stranded, deps);
    return delivery === 'delivered' ? { kind: 'decided', request: view(record), redelivered: true } : { kind: 'delivery-pending', request: view(record) };
  }
  if (kind !== 'pending' || !record.taskToken) return closed(record, kind === 'pending' ? 'expired' : kind);

  const channel: DecisionChannel = authority.channel;
  const decidedAt = now.toISOString();
  let claim: DecisionClaim;
  if (verdict.action === 'approve') {
    const terms = approvalTerms(record, verdict, deps.settings);
    if (!terms.ok) return { kind: 'invalid', problems: terms.problems, verdict, ...form(record, auth.approver, deps.settings) };
    const routing = routingOf(record, deps.settings);
    // Break-glass approves alone: that is what it is for, and why every approver is alerted at once.
    if (routing.quorum > 1 && !breakGlass) {
      const approval: QuorumApproval = {
        approver: auth.approver,
        ...principalOf(authority),
        channel,
        decidedAt,
        role: terms.value.role.name,
        minutes: terms.value.minutes,
        ...(terms.value.note ? { note: terms.value.note } : {}),
      };
      const counted = await countApproval(record, routing, approval, auth.link, authority, deps);
      if (counted.kind !== 'quorum') return counted.kind === 'invalid' ? { ...counted, verdict, ...form(record, auth.approver, deps.settings) } : counted.outcome;
      claim = { outcome: { status: 'APPROVED', decision: counted.decision }, decidedAt, ...(auth.link ? { link: auth.link } : {}) };
      return deliver(requestId, record, claim, authority, deps);
    }
    const decision: ApprovalDecision = {
      role: terms.value.role.name,
      minutes: terms.value.minutes,
      approver: auth.approver,
      ...principalOf(authority),
      ...(terms.value.note ? { note: terms.value.note } : {}),
      decidedAt,
      channel,
      ...(breakGlass ? { breakGlass } : {}),
    };
    claim = { outcome: { status: 'APPROVED', decision }, decidedAt, ...(auth.link ? { link: auth.link } : {}) };
  } else {
    const problems: string[] = [];
    const reason = approverText('reason', verdict.reason, problems);
    if (problems.length > 0) return { kind: 'invalid', problems, verdict, ...form(record, auth.approver, deps.settings) };
    const denial: Denial = { approver: auth.approver, ...principalOf(authority), reason: reason ?? '', decidedAt, channel };
    claim = { outcome: { status: 'DENIED', denial }, decidedAt, ...(auth.link ? { link: auth.link } : {}) };
  }

  return deliver(requestId, record, claim, authority, deps);
}

/**
 * Counts one approval towards the request's quorum (approval-quorum.ts). Returns the decision to claim when
 * this approval completes the quorum (or finds it complete: a claim released after a fault), else what the
 * caller is told: counted so far, already counted (nothing changed), or why nothing can be counted.
 */
async function countApproval(
  record: RequestRecord,
  routing: RequestRouting,
  approval: QuorumApproval,
  link: { capabilityHash: string; approver: string } | undefined,
  authority: DecisionAuthority,
  deps: DecideRequestDeps,
): Promise<{ kind: 'quorum'; decision: ApprovalDecision } | { kind: 'invalid'; problems: string[] } | { kind: 'answer'; outcome: DecideOutcome }> {
  const conflict = quorumConflict(approvalsInOrder(record.approvals).filter((a) => a.approver !== approval.approver), approval.role);
  if (conflict) return { kind: 'invalid', problems: [conflict] };
  let approvals = await deps.store.recordApproval(record.requestId, approval, link);
  let duplicate = false;
  let latest = record;
  if (!approvals) {
    // Refused: counted before, another role was approved meanwhile, or the request can no longer be decided.
    const reread = await deps.store.get(record.requestId);
    if (!reread || !authorize(reread, authority)) return { kind: 'answer', outcome: { kind: 'not-found' } };
    const kind = standing(reread, deps.clock.now());
    if (kind !== 'pending' || !reread.taskToken) return { kind: 'answer', outcome: closed(reread, kind === 'pending' ? 'expired' : kind) };
    if (!reread.approvals?.[approval.approver]) {
      const raced = quorumConflict(approvalsInOrder(reread.approvals), approval.role);
      return raced ? { kind: 'invalid', problems: [raced] } : { kind: 'answer', outcome: closed(reread, 'expired') };
    }
    duplicate = true;
    approvals = reread.approvals;
    latest = reread;
  }
  const inOrder = approvalsInOrder(approvals);
  const mine = approvals[approval.approver] ?? approval;
  if (inOrder.length < routing.quorum) {
    if (!duplicate) await progress(latest, routing, mine, inOrder, deps);
    return {
      kind: 'answer',
      outcome: { kind: 'counted', request: { ...view(latest), approvals }, approval: mine, approvals: inOrder, quorum: routing.quorum, duplicate },
    };
  }
  // Complete: the approval that completed it (or, after a released claim, the latest one) takes the decision.
  return { kind: 'quorum', decision: quorumDecision(inOrder, duplicate ? inOrder[inOrder.length - 1] : mine) };
}

/** Takes the single decision and answers the workflow: the last step for one approval and for a quorum. */
async function deliver(requestId: string, record: RequestRecord, claim: DecisionClaim, authority: DecisionAuthority, deps: DecideRequestDeps): Promise<DecideOutcome> {
  if (!record.taskToken) return closed(record, 'expired');
  const decidedAt = claim.decidedAt;
  if (!(await deps.store.claimDecision(requestId, claim))) {
    // Someone else decided first, the window closed, or the link was replaced meanwhile.
    const latest = await deps.store.get(requestId);
    if (!latest || !authorize(latest, authority)) return { kind: 'not-found' };
    const latestKind = standing(latest, deps.clock.now());
    return closed(latest, latestKind === 'pending' ? 'expired' : latestKind);
  }

  const outcome = claim.outcome;
  let delivery;
  try {
    delivery = await sendDecision(record.taskToken, outcome, deps.callbacks);
  } catch (error) {
    await deps.store.settleDecision(requestId, claim, 'undelivered', deps.clock.now());
    return { kind: 'unavailable', request: view(record), error };
  }
  await deps.store.settleDecision(requestId, claim, delivery, deps.clock.now());
  if (delivery === 'gone') return { kind: 'expired', request: view(record) };

  const confirmed: ConfirmedDecision = outcome.status === 'APPROVED' ? { approved: outcome.decision } : { denied: outcome.denial };
  const confirmation = await confirm(record, confirmed, deps);
  const decided: RequestView = { ...view(record), status: outcome.status, decidedAt };
  return outcome.status === 'APPROVED'
    ? { kind: 'approved', request: { ...decided, decision: outcome.decision }, decision: outcome.decision, confirmation }
    : { kind: 'denied', request: { ...decided, denial: outcome.denial }, denial: outcome.denial, confirmation };
}

/** Tells the request's approvers that one more approval was counted and how many are still needed. Never fails the approval. */
async function progress(record: RequestRecord, routing: RequestRouting, approval: QuorumApproval, approvals: readonly QuorumApproval[], deps: DecideRequestDeps): Promise<void> {
  try {
    await deps.mailer.send({ from: deps.settings.sender, to: [...routing.approvers], ...renderQuorumProgressEmail(record, approval, approvals, routing.quorum) });
  } catch {
    // The approval is counted; the note about it is a courtesy.
  }
}

async function confirm(record: RequestRecord, confirmed: ConfirmedDecision, deps: DecideRequestDeps): Promise<Confirmation> {
  try {
    // Only the approvers the request was routed to (every approver for a request without routing).
    const to = [...routingOf(record, deps.settings).approvers];
    await deps.mailer.send({ from: deps.settings.sender, to, ...renderConfirmationEmail(record, confirmed) });
    return { sent: true };
  } catch (error) {
    return { sent: false, error };
  }
}
