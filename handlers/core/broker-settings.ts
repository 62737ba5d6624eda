import { z } from 'zod';

/**
 * What the broker's handlers need to know about the installation, derived from the operator's config
 * at synth time and handed to each function as the `JIT_SETTINGS` environment variable.
 */
export const elevatedRoleSchema = z.object({
  name: z.string(),
  iamRoleName: z.string(),
  defaultMinutes: z.number().int(),
  maxMinutes: z.number().int(),
  description: z.string().optional(),
});

export const targetAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  roles: z.array(elevatedRoleSchema).min(1),
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
  accounts: z.array(targetAccountSchema).min(1),
  approvalWindowMinutes: z.number().int().positive(),
  approvers: z.array(z.string()).min(1),
  sender: z.string(),
  auditRegions: z.array(z.string()).min(1),
  auditDelayMinutes: z.number().int().nonnegative(),
  auditMaxLagMinutes: z.number().int().positive(),
  slack: slackSettingsSchema.optional(),
});

export type ElevatedRole = z.infer<typeof elevatedRoleSchema>;
export type TargetAccount = z.infer<typeof targetAccountSchema>;
export type BrokerSettings = z.infer<typeof brokerSettingsSchema>;
export type SlackSettings = z.infer<typeof slackSettingsSchema>;

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
