import { z } from 'zod';

/**
 * The operator's configuration file (`jit.config.json`, or `jit.config.example.json` on a fresh clone).
 *
 * Everything that differs between installations lives here: which accounts the broker serves, which
 * elevated roles exist there and for how long they may be granted, who approves, and how audits run.
 * Field-level rules are enforced by this schema; cross-field rules (unique names, known role
 * references, readable policy files) by `loadJitConfig`.
 */

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const ROLE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
/** IAM role names allow more, but we keep to a set that is safe in ARNs, URLs and session names. */
const IAM_ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** STS caps a role-chained session at one hour, so no grant may be longer (BRIEF §4). */
export const MAX_GRANT_MINUTES = 60;

export const roleConfigSchema = z
  .object({
    /** What the agent asks for, e.g. `Ops`. */
    name: z.string().regex(ROLE_NAME, 'must be a letter followed by up to 31 letters, digits or dashes'),
    /** IAM role name in each target account. @default `jit-elevated-<name in lower case>` */
    iamRoleName: z.string().regex(IAM_ROLE_NAME, 'is not a valid IAM role name').optional(),
    /** JSON policy document for the role, relative to the config file. */
    policyFile: z.string().min(1),
    /** Minutes granted when the request does not say. */
    defaultMinutes: z.number().int().min(1).max(MAX_GRANT_MINUTES),
    /** Longest grant an approver may give, at most 60. */
    maxMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_GRANT_MINUTES, `must be at most ${MAX_GRANT_MINUTES} (STS caps a chained role session at one hour)`),
    /** One line shown to approvers and in `jit roles`. */
    description: z.string().max(200).optional(),
  })
  .strict();

export const accountConfigSchema = z
  .object({
    id: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
    name: z.string().regex(ACCOUNT_NAME, 'must be lower-case letters, digits or dashes (at most 31)'),
    /** Roles that may be requested in this account. @default every configured role */
    roles: z.array(z.string()).min(1).optional(),
  })
  .strict();

export const jitConfigSchema = z
  .object({
    hub: z
      .object({
        account: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
        region: z.string().regex(REGION, 'must be an AWS region such as eu-west-1'),
      })
      .strict(),
    approval: z
      .object({
        approvers: z.array(z.email('must be an email address')).min(1),
        sender: z.email('must be an email address'),
        /** How long a request waits for a decision before it expires. */
        windowMinutes: z.number().int().min(1).max(24 * 60),
        /**
         * Public base URL of the review page, when it sits behind your own domain.
         * @default the broker's own approval endpoint
         */
        publicUrl: z.url({ protocol: /^https$/ }).optional(),
      })
      .strict(),
    roles: z.array(roleConfigSchema).min(1),
    accounts: z.array(accountConfigSchema).min(1),
    audit: z
      .object({
        /** Regions the agent works in; us-east-1 is always added (IAM and global STS events land there). */
        regions: z.array(z.string().regex(REGION, 'must be an AWS region such as eu-west-1')).min(1),
        /** CloudTrail delivery lag to wait after a grant ends before reading the trail. */
        delayMinutes: z.number().int().min(0).max(120),
        /** Give up waiting for late events after this long; the report then says it is incomplete. */
        maxLagMinutes: z.number().int().min(1).max(24 * 60),
        /** How long reports are kept (and locked, when Object Lock is on). */
        retentionDays: z.number().int().min(1).max(3650),
        /** S3 Object Lock mode for reports; COMPLIANCE cannot be bypassed by anyone. */
        objectLock: z.enum(['NONE', 'GOVERNANCE', 'COMPLIANCE']),
      })
      .strict()
      .refine((a) => a.maxLagMinutes >= a.delayMinutes, {
        message: 'must be at least delayMinutes',
        path: ['maxLagMinutes'],
      }),
  })
  .strict();

export type JitConfig = z.infer<typeof jitConfigSchema>;
export type RoleConfig = z.infer<typeof roleConfigSchema>;
export type AccountConfig = z.infer<typeof accountConfigSchema>;
