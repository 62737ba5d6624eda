import { BROKER_NAMES } from './resource-names';

/**
 * The agents an installation serves, and the names each one's resources carry. The first configured
 * agent keeps the names of the blog post this project implements — secrets `agent/elevated/<account>`,
 * request events from source `jit.agent`, the queue `jit-agent-notifications` — so its scripts keep
 * working unchanged. Every further agent gets names of its own: `agent/<id>/elevated/<account>`,
 * `jit.agent.<id>` and `jit-agent-notifications-<id>` (docs/agent.md#several-agents).
 *
 * The broker learns which agent asks from the event's `source`, which each agent's PutEvents permission
 * pins with the `events:source` condition key; never from anything in the detail the agent writes.
 */

/** The id of the one agent of a config that names `agent` (or nothing) instead of `agents`. */
export const DEFAULT_AGENT_ID = 'default';

/** Agent ids appear in secret names, event sources and queue names: lower case, short, safe in all three. */
export const AGENT_ID_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;

/** The seed's request source, which the first agent keeps. */
export const PRIMARY_AGENT_SOURCE = 'jit.agent';

/** Every event source an agent may send with: the first agent's, or `jit.agent.<id>`. */
export const AGENT_SOURCE_PATTERN = /^jit\.agent(\.[a-z][a-z0-9-]{0,23})?$/;

/** An agent as the broker knows it at run time. */
export interface AgentRef {
  readonly id: string;
  /** Its IAM user or role name in the hub account, for messages. */
  readonly name: string;
  /** True for the first configured agent, which keeps the seed's names. */
  readonly primary: boolean;
}

/** The `source` this agent's events carry, and the only one its PutEvents permission allows. */
export function agentEventSource(agent: Pick<AgentRef, 'id' | 'primary'>): string {
  return agent.primary ? PRIMARY_AGENT_SOURCE : `${PRIMARY_AGENT_SOURCE}.${agent.id}`;
}

/** The secret that hands this agent its grants in one account. */
export function agentSecretName(agent: Pick<AgentRef, 'id' | 'primary'>, accountId: string): string {
  return agent.primary ? `agent/elevated/${accountId}` : `agent/${agent.id}/elevated/${accountId}`;
}

/** This agent's notification queue (`jit request --wait`). */
export function agentQueueName(agent: Pick<AgentRef, 'id' | 'primary'>): string {
  return agent.primary ? BROKER_NAMES.notificationQueue : `${BROKER_NAMES.notificationQueue}-${agent.id}`;
}

/** True for a source some agent could send with (configured or not). */
export function isAgentEventSource(source: unknown): source is string {
  return typeof source === 'string' && AGENT_SOURCE_PATTERN.test(source);
}

/** The configured agent whose events carry `source`, if any. */
export function agentOfSource(agents: readonly AgentRef[], source: string): AgentRef | undefined {
  return agents.find((agent) => agentEventSource(agent) === source);
}

/**
 * Every name an agent's grant secret may have: `agent/elevated/<account>` or `agent/<id>/elevated/<account>`.
 * Inputs that name a secret (the reset function's) are held to it.
 */
export const AGENT_SECRET_NAME_PATTERN = /^agent\/([a-z][a-z0-9-]{0,23}\/)?elevated\/\d{12}$/;

/** The secret a request's grant goes to; records written before several agents name none and use the first agent's. */
export function secretNameOf(request: { readonly accountId: string; readonly secretName?: string }): string {
  return request.secretName ?? agentSecretName({ id: DEFAULT_AGENT_ID, primary: true }, request.accountId);
}
