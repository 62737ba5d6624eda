import { z } from 'zod';
import { AGENT_ID_PATTERN, type AgentRef, DEFAULT_AGENT_ID } from './agents';
import { approvalRouteSchema } from './approver-routing';
import { DEFAULT_AGENT_NAME } from './resource-names';
import { tripwireSettingsSchema } from './tripwire-settings';
import { approvalRuleSettingSchema } from './approval-rules';
import { requestLimitsSchema } from './request-quota';

/**
 * What the broker's handlers need to know about the installation, derived from the operator's config
 * at synth time and bundled with each function as `jit-settings.json` (its SHA-256 in `JIT_SETTINGS_SHA256`).
 */
export const elevatedRoleSchema = z.object({
  name: z.string(),
  iamRoleName: z.string(),
  defaultMinutes: z.number().int(),
  maxMinutes: z.number().int(),
  description: z.string().optional(),
});

/** A trail of the account that logs data events to S3 (config `accounts[].dataEventTrail`, its region resolved). */
export const dataEventTrailSettingSchema = z.object({
  bucket: z.string(),
  prefix: z.string().optional(),
  /** The bucket's region. */
  region: z.string(),
});

export const targetAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  roles: z.array(elevatedRoleSchema).min(1),
  /** @default none: the audit reads management events only */
  dataEventTrail: dataEventTrailSettingSchema.optional(),
});

/** One agent the broker serves: its id and its IAM name, in config order (the first keeps the seed's names). */
export const agentSettingSchema = z.object({
  id: z.string().regex(AGENT_ID_PATTERN),
  name: z.string(),
});

/** Slack approvals (docs/slack.md): where prompts go and who may press their buttons. */
export const slackSettingsSchema = z.object({
  /** A channel id, or `direct` for a direct message to each mapped approver. */
  postTo: z.string(),
  /** Secrets Manager secret holding `{"signingSecret", "botToken"}`. */
  secretName: z.string(),
  /** Slack user id -> the configured approver (an address of `approvers`) a press by them decides as. */
  users: z.record(z.string(), z.string()),
});

export const brokerSettingsSchema = z.object({
  /** @default one agent, `default`, named `jit-agent` */
  agents: z.array(agentSettingSchema).min(1).optional(),
  accounts: z.array(targetAccountSchema).min(1),
  approvalWindowMinutes: z.number().int().positive(),
  /** Every approver the config names (the fallback, the routes' people and groups' members). */
  approvers: z.array(z.string()).min(1),
  /**
   * Approver routes (config `approval.routes`, groups resolved, account names as ids), the fallback last
   * as a route with neither account nor role. @default none: every approver gets every request
   */
  approvalRoutes: z.array(approvalRouteSchema).optional(),
  /** The IAM identities of each approver, by address (config `approval.iamPrincipals`). @default none */
  approverPrincipals: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  sender: z.string(),
  auditRegions: z.array(z.string()).min(1),
  auditDelayMinutes: z.number().int().nonnegative(),
  auditMaxLagMinutes: z.number().int().positive(),
  /** What a FAILed Access Analyzer proof does to the mint (config `proofs.onFail`). @default 'refuse' */
  proofsOnFail: z.enum(['refuse', 'warn']).optional(),
  slack: slackSettingsSchema.optional(),
  /** The tripwire rules (docs/security-model.md#tripwires). @default none: grants are not watched */
  tripwires: tripwireSettingsSchema.optional(),
  /**
   * Each role's policy document (its `policyFile`), by role name, so the approval messages can show what a
   * grant can do by evaluating it (handlers/core/grant-scope.ts). Absent only in settings built without
   * policies (tests): the messages then say the scope could not be computed.
   */
  rolePolicies: z.record(z.string(), z.unknown()).optional(),
  /**
   * The declared privilege order (config `roles[].narrowerThan`): role -> the roles it is narrower than.
   * @default none: an approver may only keep the requested role (handlers/core/role-order.ts)
   */
  roleOrder: z.record(z.string(), z.array(z.string())).optional(),
  /** Rules that approve without a human (config `approval.rules`). @default none */
  approvalRules: z.array(approvalRuleSettingSchema).optional(),
  /** Roles no rule may ever approve (config `roles[].humanOnly`). @default none */
  humanOnlyRoles: z.array(z.string()).optional(),
  /** Per-agent request limits (config `limits`). @default DEFAULT_REQUEST_LIMITS (handlers/core/request-quota.ts) */
  requestLimits: requestLimitsSchema.optional(),
  /** Roles their requester may approve themselves, briefly (config `roles[].breakGlass`). @default none */
  breakGlassRoles: z.record(z.string(), z.object({ maxMinutes: z.number().int().positive() })).optional(),
  /**
   * Minutes before a grant expires that its agent and approvers are told (config
   * `notifications.beforeExpiryMinutes`); 0: never. @default DEFAULT_BEFORE_EXPIRY_MINUTES (handlers/core/expiry-notice.ts)
   */
  beforeExpiryMinutes: z.number().int().min(0).max(59).optional(),
});

export type ElevatedRole = z.infer<typeof elevatedRoleSchema>;
export type TargetAccount = z.infer<typeof targetAccountSchema>;
export type DataEventTrailSetting = z.infer<typeof dataEventTrailSettingSchema>;
export type BrokerSettings = z.infer<typeof brokerSettingsSchema>;
export type SlackSettings = z.infer<typeof slackSettingsSchema>;

/** The agents of an installation, first one primary. Settings without `agents` serve the one default agent. */
export function agentsOf(settings: Pick<BrokerSettings, 'agents'>): AgentRef[] {
  const agents = settings.agents ?? [{ id: DEFAULT_AGENT_ID, name: DEFAULT_AGENT_NAME }];
  return agents.map((agent, i) => ({ id: agent.id, name: agent.name, primary: i === 0 }));
}

/** The agent with this id; a record without one (written before several agents) belongs to the first. */
export function agentById(settings: Pick<BrokerSettings, 'agents'>, agentId: string | undefined): AgentRef | undefined {
  const agents = agentsOf(settings);
  return agentId === undefined ? agents[0] : agents.find((agent) => agent.id === agentId);
}

/** Finds a configured account by its 12-digit id or its short name. */
export function findAccount(settings: BrokerSettings, idOrName: string): TargetAccount | undefined {
  return settings.accounts.find((a) => a.id === idOrName || a.name === idOrName);
}

/**
 * Finds a role configured for an account by its short name (`Ops`) or its IAM role name
 * (`AgentElevated-Ops`, as the seed's `grant-elevated.sh` names roles), matching exactly. The config
 * loader refuses a short name that is another role's IAM name, so the answer is never ambiguous.
 */
export function findRole(account: TargetAccount, roleName: string): ElevatedRole | undefined {
  return account.roles.find((r) => r.name === roleName) ?? account.roles.find((r) => r.iamRoleName === roleName);
}

// Kept for the importers that still name this file; the names and ARNs live in resource-names.ts.
export { secretNameFor } from './resource-names';
