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

export const brokerSettingsSchema = z.object({
  accounts: z.array(targetAccountSchema).min(1),
  approvalWindowMinutes: z.number().int().positive(),
  approvers: z.array(z.string()).min(1),
  sender: z.string(),
  auditRegions: z.array(z.string()).min(1),
  auditDelayMinutes: z.number().int().nonnegative(),
  auditMaxLagMinutes: z.number().int().positive(),
});

export type ElevatedRole = z.infer<typeof elevatedRoleSchema>;
export type TargetAccount = z.infer<typeof targetAccountSchema>;
export type BrokerSettings = z.infer<typeof brokerSettingsSchema>;

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

/** The ARN of an elevated role; names are predictable so no stack has to export them. */
export function elevatedRoleArn(partition: string, accountId: string, iamRoleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${iamRoleName}`;
}

/** Name of the read-only CloudTrail role in every target account, trusted by the broker's audit function. */
export const AUDIT_READER_ROLE_NAME = 'jit-audit-reader';

export function auditReaderRoleArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:role/${AUDIT_READER_ROLE_NAME}`;
}

/**
 * Name of the role in every target account that may attach and remove the early-revoke deny on the
 * elevated roles (BRIEF §3.8), trusted by the broker's revoke role.
 */
export const REVOKER_ROLE_NAME = 'jit-revoker';

export function revokerRoleArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:role/${REVOKER_ROLE_NAME}`;
}

/** Secret that hands a grant to the agent: one per target account. */
export function secretNameFor(accountId: string): string {
  return `agent/elevated/${accountId}`;
}
