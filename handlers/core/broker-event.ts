/**
 * Events the broker publishes on its bus (source `jit.broker`, README.md, Contracts). Agents and operators subscribe
 * to them; their shape is a public contract.
 */
export const BROKER_EVENT_SOURCE = 'jit.broker';
export const AGENT_EVENT_SOURCE = 'jit.agent';
export const ELEVATION_REQUESTED = 'Elevation Requested';
/**
 * An agent gives back its own grant early (`jit end`). The detail carries the request id and a proof
 * that the sender holds the grant's credentials (handlers/core/identity-proof.ts).
 */
export const ELEVATION_END_REQUESTED = 'Elevation End Requested';
/**
 * An agent asks for more time on its live grant (`jit extend`, MCP `extend_elevation`). The detail names
 * the live request (`extends`), the minutes to add and a reason; it is routed and approved like a request
 * (docs/agent.md#extending-a-live-grant).
 */
export const ELEVATION_EXTENSION_REQUESTED = 'Elevation Extension Requested';

export const BROKER_OUTCOMES = [
  'Pending Approval',
  'Granted',
  'Denied',
  'Approval Expired',
  'Rejected',
  'Failed',
  'Ended',
  'Revoked',
  'Audited',
  /** An agent's request to end a grant was not honoured (not its grant, or nothing active to end). */
  'End Refused',
  /** A grant is live for the same agent and account: nothing minted (docs/agent.md#one-live-grant-per-agent-and-account). */
  'Refused',
  /**
   * A caller is not a configured approver, so nothing changed: an IAM-authenticated caller on the approver
   * routes not in `approval.iamPrincipals` (refused with 403), or a Slack user not in `approval.slack.users`
   * (docs/slack.md). Published so that security can see who tried; `detail.channel` says which.
   */
  'Approver Refused',
  /**
   * A requester approved their own request for a `breakGlass` role (docs/approvals.md#break-glass). Every
   * approver is alerted; the request stays marked for post-review until another approver runs `jit ack`.
   */
  'Break Glass',
  /**
   * A request reused the id of a different request already registered; it was not registered. Its
   * `contentDigest` tells the agent that sent it from the one whose request goes on under that id.
   */
  'Duplicate Refused',
  /**
   * An extension was approved and minted: the live grant's secret now holds a new credential set with a
   * later `expiresAt`; the old set ends at its own fence. `requestId` is the extension's, `extensionOf`
   * the live request's.
   */
  'Extended',
  /**
   * A tripwire ended a live grant at once (docs/security-model.md#tripwires): `detail.rule` names the rule,
   * `detail.call` the CloudTrail event that tripped it, `detail.reason` both in one sentence.
   */
  'Tripped',
  /**
   * A live grant expires soon (config `notifications.beforeExpiryMinutes`, docs/agent.md#before-a-grant-expires):
   * `expiresAt`, `grantId` and `minutesLeft` of the set in the secret; the approvers who approved it were
   * emailed (`notified`). Changes nothing: the reset at `expiresAt` comes all the same.
   */
  'Expiring',
] as const;

export type BrokerOutcome = (typeof BROKER_OUTCOMES)[number];

export function detailTypeFor(outcome: BrokerOutcome): `Elevation ${BrokerOutcome}` {
  return `Elevation ${outcome}`;
}

export interface BrokerEventDetail {
  readonly requestId?: string;
  readonly account?: string;
  readonly accountName?: string;
  readonly role?: string;
  readonly minutes?: number;
  readonly expiresAt?: string;
  readonly reportUri?: string;
  /** For `Duplicate Refused`: the digest of the refused request (handlers/core/registration.ts). */
  readonly contentDigest?: string;
  /** Why a request was rejected, denied or failed; never secret material. */
  readonly reason?: string;
  /** Why a request was refused, for programs: `RATE_LIMITED` when it was over a per-agent limit (config `limits`). */
  readonly code?: string;
  readonly [extra: string]: unknown;
}

export interface BrokerEvent {
  readonly outcome: BrokerOutcome;
  readonly detail: BrokerEventDetail;
}
