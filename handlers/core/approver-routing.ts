import { z } from 'zod';
import type { BrokerSettings } from './broker-settings';

/**
 * Who may decide a request: approvers routed per account, per role and per account+role (config
 * `approval.routes`, groups already resolved to addresses), with `approval.approvers` as the fallback.
 * Settings without routes keep the one list of approvers for every request, one approval each.
 */
export const approvalRouteSchema = z.object({
  /** A 12-digit account id; absent: every account. */
  account: z.string().optional(),
  /** A role's short name; absent: every role. */
  role: z.string().optional(),
  /** Addresses, groups resolved. May be empty for the fallback only. */
  approvers: z.array(z.string()),
  /** Distinct approvals needed. @default 1 */
  quorum: z.number().int().min(1).optional(),
  /** Slack channel for this route's prompts, instead of `approval.slack.postTo`. */
  slackChannel: z.string().optional(),
});

export type ApprovalRoute = z.infer<typeof approvalRouteSchema>;

/** The routing a request was given when it started to wait, kept on its record (`RequestRecord.routing`). */
export const requestRoutingSchema = z.object({
  /** Who may decide it: the route's approvers without the requester. */
  approvers: z.array(z.string()),
  /** Distinct approvals needed before the decision goes to the workflow. */
  quorum: z.number().int().min(1),
  /** Which route matched, for the page and the report: `account+role`, `role`, `account` or `fallback`. */
  route: z.enum(['account+role', 'role', 'account', 'fallback']),
  /** The routed approver the request names as its requester; they can never approve it. */
  requesterExcluded: z.string().optional(),
  /** Slack channel the route names, when it names one. */
  slackChannel: z.string().optional(),
});

export type RequestRouting = z.infer<typeof requestRoutingSchema>;

/** Approver addresses compare without regard to case (as mailbox domains do; local parts nearly always). */
export function sameApprover(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The most specific route for an account and role: account+role, then role, then account, then the fallback. */
export function routeFor(settings: Pick<BrokerSettings, 'approvers' | 'approvalRoutes'>, accountId: string, role: string): { route: ApprovalRoute; kind: RequestRouting['route'] } {
  const routes = settings.approvalRoutes;
  if (!routes) return { route: { approvers: [...settings.approvers] }, kind: 'fallback' };
  const both = routes.find((r) => r.account === accountId && r.role === role);
  if (both) return { route: both, kind: 'account+role' };
  const byRole = routes.find((r) => r.account === undefined && r.role === role);
  if (byRole) return { route: byRole, kind: 'role' };
  const byAccount = routes.find((r) => r.account === accountId && r.role === undefined);
  if (byAccount) return { route: byAccount, kind: 'account' };
  const fallback = routes.find((r) => r.account === undefined && r.role === undefined);
  return { route: fallback ?? { approvers: [] }, kind: 'fallback' };
}

/**
 * The routed approver a request names as its requester, if any. `requester` is free text the agent sends
 * (README.md, Contracts): it names a human owner when it is one of the approvers' addresses, in any case,
 * alone or as the address in `Name <address>`.
 */
export function requesterApprover(requester: string | undefined, approvers: readonly string[]): string | undefined {
  if (!requester) return undefined;
  const address = requesterAddress(requester);
  return approvers.find((approver) => sameApprover(approver, address));
}

/** The address a `requester` names: the one in `Name <address>`, else the whole text. */
export function requesterAddress(requester: string): string {
  return /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(requester)?.[1] ?? requester;
}

/**
 * The routing of one request: the matching route's approvers, less the requester (who can never approve
 * their own request), and how many distinct approvals it needs.
 */
export function routeRequest(
  settings: Pick<BrokerSettings, 'approvers' | 'approvalRoutes'>,
  request: { readonly accountId: string; readonly role: string; readonly requester?: string },
): RequestRouting {
  const { route, kind } = routeFor(settings, request.accountId, request.role);
  const excluded = requesterApprover(request.requester, route.approvers);
  const approvers = route.approvers.filter((approver) => excluded === undefined || !sameApprover(approver, excluded));
  return {
    approvers,
    quorum: route.quorum ?? 1,
    route: kind,
    ...(excluded ? { requesterExcluded: excluded } : {}),
    ...(route.slackChannel ? { slackChannel: route.slackChannel } : {}),
  };
}

/** The routing stored with a request; records written before routing are routed to every approver of their links. */
export function routingOf(
  record: { readonly routing?: RequestRouting; readonly approverLinks?: Readonly<Record<string, string>> },
  settings: Pick<BrokerSettings, 'approvers'>,
): RequestRouting {
  if (record.routing) return record.routing;
  const linked = [...new Set(Object.values(record.approverLinks ?? {}))];
  return { approvers: linked.length > 0 ? linked : [...settings.approvers], quorum: 1, route: 'fallback' };
}

/** Whether this approver may decide the request: routed to it and not its requester. */
export function mayDecide(routing: RequestRouting, approver: string): boolean {
  return routing.approvers.some((a) => sameApprover(a, approver)) && !(routing.requesterExcluded && sameApprover(routing.requesterExcluded, approver));
}

/**
 * Every account/role pair a config allows, and what routing gives it that cannot work: nobody, or fewer
 * approvers than the quorum. One problem per pair, naming it.
 */
export function routingGaps(settings: Pick<BrokerSettings, 'accounts' | 'approvers' | 'approvalRoutes'>): string[] {
  const gaps: string[] = [];
  for (const account of settings.accounts) {
    for (const role of account.roles) {
      const { route, kind } = routeFor(settings, account.id, role.name);
      const pair = `account ${account.name} (${account.id}), role ${role.name}`;
      const quorum = route.quorum ?? 1;
      if (route.approvers.length === 0) {
        gaps.push(`${pair}: no approver is routed to it (${kind === 'fallback' ? 'no route matches and approval.approvers is empty' : `its ${kind} route lists nobody`}); add a route or fallback approvers`);
      } else if (route.approvers.length < quorum) {
        gaps.push(`${pair}: its ${kind} route needs ${quorum} approvals but lists ${route.approvers.length} approver(s) (${route.approvers.join(', ')})`);
      }
    }
  }
  return gaps;
}
