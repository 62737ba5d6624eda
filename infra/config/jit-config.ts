import { z } from 'zod';
import { DEFAULT_TRIPWIRE_DENY_LIST } from '../../handlers/core/tripwire-settings';
import { DEFAULT_REQUEST_LIMITS } from '../../handlers/core/request-quota';
import { DEFAULT_BEFORE_EXPIRY_MINUTES, MAX_BEFORE_EXPIRY_MINUTES } from '../../handlers/core/expiry-notice';
import { AUDIT_SETTLE_MINUTES } from '../../handlers/core/audit-polling';
import { MAX_GRANT_MINUTES } from '../../handlers/core/grant-window';
import { AGENT_ID_PATTERN } from '../../handlers/core/agents';
import { IAM_ACTION, WEEKDAYS } from '../../handlers/core/approval-rules';
import { BREAK_GLASS_MAX_MINUTES } from '../../handlers/core/break-glass';

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
/** IAM user and role names. */
const IAM_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;
/** A role or user, never an account root: trusting a whole account lets any of its principals be the agent. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/([A-Za-z0-9+=,.@_-]+\/)*[A-Za-z0-9+=,.@_-]{1,64}$/;
/**
 * Who may sign the approver routes as an approver: an IAM user, a role (any of its sessions), or one
 * role session (`assumed-role/<role>/<session>`, e.g. an IAM Identity Center user's session, whose name
 * is the user's). What API Gateway passes as the caller's `userArn` is matched against these.
 */
const APPROVER_PRINCIPAL_ARN =
  /^arn:aws[a-z-]*:(iam::\d{12}:(role|user)\/([A-Za-z0-9+=,.@_-]+\/)*[A-Za-z0-9+=,.@_-]{1,64}|sts::\d{12}:assumed-role\/[A-Za-z0-9+=,.@_-]{1,64}\/[A-Za-z0-9+=,.@_-]{2,64})$/;
const TRUST_ANCHOR_ARN = /^arn:aws[a-z-]*:rolesanywhere:[a-z]{2}(-[a-z]+)+-\d:\d{12}:trust-anchor\/[0-9a-f-]{36}$/;

// Derived in core from the facts they rest on: the audit's polling rule and the STS chained-session cap.
export { AUDIT_SETTLE_MINUTES } from '../../handlers/core/audit-polling';
export { MAX_GRANT_MINUTES } from '../../handlers/core/grant-window';

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
    /**
     * The roles this one is strictly less privileged than: an approver of a request for one of them may
     * choose this role instead (narrow, never widen; docs/approvals.md#narrow-never-widen). Transitive.
     * @default none: nothing may replace a request for another role with this one
     */
    narrowerThan: z.array(z.string().regex(ROLE_NAME, 'must be a role name')).min(1).optional(),
    /** No rule of `approval.rules` ever approves this role: a human always decides. @default false */
    humanOnly: z.boolean().optional(),
    /**
     * The role's requester (the human owner a request names) may approve it themselves through the IAM
     * approver routes, with a reason, for at most `maxMinutes`; every approver is alerted and an approver
     * acknowledges it afterwards with `jit ack` (docs/approvals.md#break-glass). @default none
     */
    breakGlass: z
      .object({
        maxMinutes: z.number().int().min(1).max(BREAK_GLASS_MAX_MINUTES, `must be at most ${BREAK_GLASS_MAX_MINUTES} (break-glass is short)`),
      })
      .strict()
      .optional(),
    /**
     * Privilege-escalation paths this role is meant to keep open, each with the operator's reason. Without
     * an entry here, `cdk synth` fails when the role's policy file opens a path of the escalation catalog
     * (`infra/escalation/escalation-paths.json`) that the ceiling does not close; with one, synth prints the
     * reason instead (docs/security-model.md#escalation-lint). @default none
     */
    allowEscalation: z
      .array(
        z
          .object({
            /** The id of a catalog path, e.g. `ssm-send-command`. */
            path: z.string().min(1),
            /** Why this role needs the path; printed at every synth. */
            reason: z.string().trim().min(10, 'must say in a sentence why the role needs this path (at least 10 characters)').max(300),
          })
          .strict(),
      )
      .min(1)
      .optional(),
  })
  .strict();

/** Each listed role adds one statement to `jit-deny-always`; ten keep it well within IAM's 6,144 characters. */
export const MAX_PASSABLE_ROLES = 10;
/** Name prefixes of the broker's own roles and the CDK's bootstrap roles, which no config may make passable. */
const RESERVED_ROLE_PREFIXES = ['jit-', 'cdk-', 'JitBroker-', 'JitTarget-'];

export const passableRoleSchema = z
  .object({
    /** IAM role name, with its path if it has one (`service-role/orders-task`). */
    roleName: z
      .string()
      .regex(/^([A-Za-z0-9+=,.@_-]+\/)*[A-Za-z0-9+=,.@_-]{1,64}$/, 'is not a valid IAM role name (with an optional path)')
      .refine((name) => !RESERVED_ROLE_PREFIXES.some((prefix) => name.split('/').pop()!.startsWith(prefix)), {
        message: `must not name a broker or CDK bootstrap role (${RESERVED_ROLE_PREFIXES.join(', ')})`,
      }),
    /** Service principals it may be passed to (`iam:PassedToService`), e.g. `ecs-tasks.amazonaws.com`. */
    services: z.array(z.string().regex(SERVICE_PRINCIPAL, 'must be a service principal such as ecs-tasks.amazonaws.com')).min(1),
    /** Why a grant may hand work to this role: printed in the docs and reviews, and the role's residual risk. */
    reason: z.string().min(1).max(200),
  })
  .strict();

/** S3 bucket names: 3-63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A trail's S3 key prefix: no leading or trailing slash (CloudTrail adds `/AWSLogs/...`). */
const TRAIL_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[0-9a-f-]{36}$/;

/**
 * A trail of this account that logs data events to S3 (docs/audit.md, "Data events"): the audit reads
 * its log files, `<prefix>/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`, for every audited region.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 */
export const dataEventTrailConfigSchema = z
  .object({
    /** The trail's S3 bucket, in this account. */
    bucket: z.string().regex(BUCKET_NAME, 'must be an S3 bucket name'),
    /** The trail's S3 key prefix, if it has one. @default none */
    prefix: z.string().max(200).regex(TRAIL_PREFIX, 'must be an S3 key prefix without a leading or trailing slash').optional(),
    /** The bucket's region. @default the first of `audit.regions` */
    region: z.string().regex(REGION, 'must be an AWS region such as eu-west-1').optional(),
    /** The KMS key the trail encrypts its log files with (SSE-KMS): the audit reader may decrypt with it, through S3 only. @default none */
    kmsKeyArn: z.string().regex(KMS_KEY_ARN, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)').optional(),
  })
  .strict();

export const accountConfigSchema = z
  .object({
    id: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
    name: z.string().regex(ACCOUNT_NAME, 'must be lower-case letters, digits or dashes (at most 31)'),
    /** Roles that may be requested in this account. @default every configured role */
    roles: z.array(z.string()).min(1).optional(),
    /**
     * Existing roles of this account an elevated session may pass (`iam:PassRole`), each only to the
     * services named. Every other role outside the broker's bounded path stays unpassable.
     */
    passableRoles: z.array(passableRoleSchema).min(1).max(MAX_PASSABLE_ROLES).optional(),
    /** A trail of this account that logs data events to S3, which the audit reads as well. @default none: management events only */
    dataEventTrail: dataEventTrailConfigSchema.optional(),
  })
  .strict();

/**
 * The agent's identity in the hub account. Its standing policy is fixed by the broker (invariant 1, docs/security-invariants.md); only
 * how the agent authenticates is configurable.
 */
const userAgentSchema = z
    .object({
      /** An IAM user. The stack creates no access keys: the operator creates (and rotates) them. */
      kind: z.literal('user'),
      /** @default `jit-agent` */
      name: z.string().regex(IAM_NAME, 'is not a valid IAM user name').optional(),
    })
    .strict();
const roleAgentSchema = z
    .object({
      /** An IAM role the agent assumes: from an instance profile or task role, another role, or IAM Roles Anywhere. */
      kind: z.literal('role'),
      /** @default `jit-agent` */
      name: z.string().regex(IAM_NAME, 'is not a valid IAM role name').optional(),
      /** Who may assume the agent role; at least one of the three. */
      trust: z
        .object({
          /** Service principals, e.g. `ec2.amazonaws.com` for an instance profile, `ecs-tasks.amazonaws.com`. */
          services: z.array(z.string().regex(SERVICE_PRINCIPAL, 'must be a service principal such as ec2.amazonaws.com')).min(1).optional(),
          /** Roles or users (never an account root) that may assume the agent role. */
          principals: z
            .array(z.string().regex(PRINCIPAL_ARN, 'must be the ARN of an IAM role or user (not an account root)'))
            .min(1)
            .optional(),
          /** IAM Roles Anywhere: the trust anchors whose certificates may assume the agent role. */
          rolesAnywhere: z
            .object({
              trustAnchorArns: z.array(z.string().regex(TRUST_ANCHOR_ARN, 'must be a Roles Anywhere trust anchor ARN')).min(1),
              /** Only certificates with this subject common name. @default any certificate of the anchors */
              certificateCommonName: z.string().min(1).max(64).optional(),
            })
            .strict()
            .optional(),
        })
        .strict()
        .refine((t) => Boolean(t.services ?? t.principals ?? t.rolesAnywhere), {
          message: 'must name at least one of services, principals or rolesAnywhere',
        }),
      /** Longest agent session, in hours. @default 1 */
      maxSessionHours: z.number().int().min(1).max(12).optional(),
    })
    .strict();
export const agentConfigSchema = z.discriminatedUnion('kind', [userAgentSchema, roleAgentSchema]);

/**
 * Which agent an entry of `agents` is: lower case, at most 24 characters, since it becomes part of the
 * agent's secret names (`agent/<id>/elevated/<account>`), event source (`jit.agent.<id>`) and queue name.
 */
const agentId = z.string().regex(AGENT_ID_PATTERN, 'must be a lower-case letter followed by up to 23 lower-case letters, digits or dashes');

/**
 * The most agents one config may name: the first ten in the broker stack itself, the rest one nested stack
 * each (`AgentStack<Id>`, infra/constructs/agent-stack.ts), which keeps the broker stack under
 * CloudFormation's 500 resources (a test synthesizes 100 agents and checks every stack and function).
 */
export const MAX_AGENTS = 200;

/** One of several agents: an agent identity plus the id it is known by. */
export const agentEntrySchema = z.discriminatedUnion('kind', [userAgentSchema.extend({ id: agentId }), roleAgentSchema.extend({ id: agentId })]);

/** A root (`r-...`), organizational unit (`ou-...-...`) or account id, as AWS Organizations names policy targets. */
const ORGANIZATION_TARGET = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/;

/**
 * Opt-in organization guardrails (the `JitOrgGuardrails` stack): SCPs and RCPs that hold even against an
 * administrator of a member account. Deployed to the management account or a delegated administrator.
 */
export const organizationConfigSchema = z
  .object({
    /** The account the guardrails stack deploys to: the management account or a delegated administrator for policies. */
    account: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
    /** The organization's id, what `aws:PrincipalOrgID` holds. */
    id: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id such as o-a1b2c3d4e5'),
    /** Where the policies are attached. @default the hub and every target account */
    targetIds: z.array(z.string().regex(ORGANIZATION_TARGET, 'must be a root (r-...), OU (ou-...-...) or 12-digit account id')).min(1).optional(),
    /**
     * Roles (ARN patterns) that may still change detection services in the attached accounts, for your
     * security team. @default none: only the management account, which SCPs never restrict
     */
    detectionAdministrators: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[A-Za-z0-9+=,.@_/*-]+$/, 'must be an IAM role ARN (wildcards allowed), e.g. arn:aws:iam::*:role/SecurityAdmin'))
      .min(1)
      .optional(),
  })
  .strict();

/** A rule that approves without a human (docs/approvals.md#rules-that-approve-without-a-human). */
export const approvalRuleSchema = z
  .object({
    /** Recorded as the approver, `rule:<name>`. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lower-case letter followed by up to 31 lower-case letters, digits or dashes'),
    /** Account ids or names. @default every account */
    accounts: z.array(z.string().min(1)).min(1).optional(),
    /** Roles the rule may approve; never a `humanOnly` role. */
    roles: z.array(z.string().regex(ROLE_NAME, 'must be a role name')).min(1),
    /** The longest grant the rule approves (and no more than the role's own maximum). */
    maxMinutes: z.number().int().min(1).max(MAX_GRANT_MINUTES),
    /**
     * What every planned action must be: `read-only` (exact `service:Describe*|Get*|List*` names, less those
     * that read secrets or data) or an explicit list of `service:Action` names. @default "read-only"
     */
    actions: z
      .union([
        z.literal('read-only'),
        z.array(z.string().regex(IAM_ACTION, 'must be an IAM action such as ec2:DescribeInstances (no wildcard)')).min(1),
      ])
      .default('read-only'),
    /** IANA time zone of `windows`, e.g. Europe/Berlin. @default UTC */
    timeZone: z
      .string()
      .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' })
      .optional(),
    /** When the rule applies: the whole grant must lie in one window. @default any time */
    windows: z
      .array(
        z
          .object({
            days: z.array(z.enum(WEEKDAYS)).min(1),
            from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
            to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24:00 for midnight)'),
          })
          .strict()
          .refine((w) => w.from < w.to, { message: 'from must be before to (split a window over midnight in two)' }),
      )
      .min(1)
      .optional(),
  })
  .strict();

/** Whether the runtime's time zone data knows `zone` (an unknown zone makes `Intl.DateTimeFormat` throw). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Slack ids as Slack writes them: users `U...`/`W...`, channels `C...` (public or private) or `G...`. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,20}$/;
/** Secrets Manager secret names: up to 512 of letters, digits and `/_+=.@-`. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Approvals in Slack beside the email (docs/slack.md). */
export const slackConfigSchema = z
  .object({
    /** A channel id (`C...` or `G...`; the app must be a member) or `direct` for each mapped approver's direct messages. */
    postTo: z.union([z.string().regex(SLACK_CHANNEL_ID, 'must be a channel id such as C0123456789, or "direct"'), z.literal('direct')]),
    /** Name of the Secrets Manager secret in the hub account holding `{"signingSecret": "...", "botToken": "xoxb-..."}`. */
    secretName: z.string().regex(SECRET_NAME, 'must be a Secrets Manager secret name'),
    /** Who may press the buttons: Slack user id -> one of `approval.approvers`. Anyone else is refused. */
    users: z.record(z.string(), z.email('must be an email address')).superRefine((users, ctx) => {
      // Checked here rather than by a key schema, whose failure would not say what a key must look like.
      const ids = Object.keys(users);
      if (ids.length === 0) ctx.addIssue({ code: 'custom', message: 'must map at least one Slack user id to an approver' });
      for (const id of ids) if (!SLACK_USER_ID.test(id)) ctx.addIssue({ code: 'custom', path: [id], message: 'must be a Slack user id such as U0123456789' });
    }),
    /**
     * An address subscribed to the alarm topic told when a Slack hand-off failed every attempt (docs/slack.md).
     * @default none: subscribe to the `SlackAlarmTopicArn` output yourself
     */
    alarmEmail: z.email('must be an email address').optional(),
  })
  .strict();

/** A named group of approvers: a lower-case word, so it never reads as an address. */
const GROUP_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** One approver route (docs/approvals.md#routing): who decides requests for an account, a role, or both. */
export const approvalRouteConfigSchema = z
  .object({
    /** An account's id or name; absent: every account. */
    account: z.string().min(1).optional(),
    /** A role's name; absent: every role. */
    role: z.string().min(1).optional(),
    /** Approver addresses and group names (`approval.groups`). */
    approvers: z.array(z.union([z.email(), z.string().regex(GROUP_NAME)], { error: 'must be an email address or a group name of approval.groups' })).min(1),
    /** Distinct approvers needed before the request is approved. @default 1 */
    quorum: z.number().int().min(1).max(5).optional(),
    /** A Slack channel id for this route's prompts, instead of `approval.slack.postTo`. */
    slackChannel: z.string().regex(SLACK_CHANNEL_ID, 'must be a channel id such as C0123456789').optional(),
  })
  .strict()
  .refine((route) => route.account !== undefined || route.role !== undefined, { message: 'must name an account, a role or both (approval.approvers is the fallback)' });

export type ApprovalRouteConfig = z.infer<typeof approvalRouteConfigSchema>;

/** Every approver address a config names: the fallback, the groups' members and the routes' people. */
export function approverRoster(approval: { approvers?: readonly string[]; groups?: Readonly<Record<string, readonly string[]>>; routes?: readonly ApprovalRouteConfig[] }): string[] {
  const all = [
    ...(approval.approvers ?? []),
    ...Object.values(approval.groups ?? {}).flat(),
    ...(approval.routes ?? []).flatMap((r) => r.approvers.filter((a) => a.includes('@'))),
  ];
  return all.filter((a, i) => all.findIndex((b) => b.toLowerCase() === a.toLowerCase()) === i);
}

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
        /**
         * The fallback: who decides a request no route matches. With no routes, every approver of every
         * request (the one list of earlier versions). May be empty only when routes cover every pair.
         */
        approvers: z.array(z.email('must be an email address')).default([]),
        /** Named groups of approvers, used by name in `routes`. @default none */
        groups: z.record(z.string().regex(GROUP_NAME, 'must be a group name: a lower-case letter, then up to 31 lower-case letters, digits or dashes'), z.array(z.email('must be an email address')).min(1)).optional(),
        /** Approvers per account, per role and per account+role, most specific first; quorum per route. @default none */
        routes: z.array(approvalRouteConfigSchema).max(50).optional(),
        sender: z.email('must be an email address'),
        /** How long a request waits for a decision before it expires. */
        windowMinutes: z.number().int().min(1).max(24 * 60),
        /**
         * Public base URL of the review page, when it sits behind your own domain.
         * @default the broker's own approval endpoint
         */
        publicUrl: z.url({ protocol: /^https$/ }).optional(),
        /**
         * The IAM identities of each approver, by approver address: who may use `jit approve`, `deny`,
         * `revoke` and `pending` (the IAM-authorized approver routes). A caller none of these match is
         * refused. @default none: only the review links decide
         */
        iamPrincipals: z
          .record(
            z.email('must be an approver address'),
            z
              .array(
                z
                  .string()
                  .regex(
                    APPROVER_PRINCIPAL_ARN,
                    'must be the ARN of an IAM user, an IAM role or one role session (arn:aws:sts::<account>:assumed-role/<role>/<session>), never an account root',
                  ),
              )
              .min(1),
          )
          .optional(),
        /** Slack approvals. @default none: email (and the CLI) only */
        slack: slackConfigSchema.optional(),
        /** Rules that approve without a human, tried in order. @default none: a human decides every request */
        rules: z.array(approvalRuleSchema).min(1).max(20).optional(),
      })
      .strict()
      .superRefine((approval, ctx) => {
        const roster = approverRoster(approval);
        if (roster.length === 0) ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'must name at least one approver (or give routes)' });
        if (!approval.routes && approval.approvers.length === 0) ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'must name at least one approver when there are no routes' });
        (approval.routes ?? []).forEach((route, i) => {
          route.approvers.forEach((entry, j) => {
            if (!entry.includes('@') && !approval.groups?.[entry]) {
              ctx.addIssue({ code: 'custom', path: ['routes', i, 'approvers', j], message: `names group "${entry}", which approval.groups does not define` });
            }
          });
        });
        for (const [user, approver] of Object.entries(approval.slack?.users ?? {})) {
          if (!roster.includes(approver)) {
            ctx.addIssue({ code: 'custom', path: ['slack', 'users', user], message: `must be one of ${approval.routes || approval.groups ? 'the approvers (approval.approvers, groups, routes)' : 'approval.approvers'} (${roster.join(', ')})` });
          }
        }
        const owners = new Map<string, string>();
        for (const [approver, arns] of Object.entries(approval.iamPrincipals ?? {})) {
          if (!roster.includes(approver)) {
            ctx.addIssue({ code: 'custom', path: ['iamPrincipals', approver], message: `names ${approver}, who is not in approval.approvers, a group or a route` });
          }
          for (const arn of arns) {
            const owner = owners.get(arn);
            // One identity decides as one person, or the record could not say who decided.
            if (owner !== undefined && owner !== approver) {
              ctx.addIssue({ code: 'custom', path: ['iamPrincipals', approver], message: `${arn} is also an identity of ${owner}` });
            }
            owners.set(arn, approver);
          }
        }
      }),
    /**
     * The one agent, when there is one. Means the same as `agents: [{ "id": "default", ... }]`.
     * @default an IAM user named `jit-agent` (the seed's way)
     */
    agent: agentConfigSchema.default({ kind: 'user' }),
    /**
     * Several agents, each with its own identity, secrets and notification queue. The first keeps the
     * seed's names; the loader makes `agent` the first of them. Not together with `agent`.
     * @default one agent, from `agent`
     */
    agents: z.array(agentEntrySchema).min(1).max(MAX_AGENTS).optional(),
    roles: z.array(roleConfigSchema).min(1),
    /** Organization guardrails (SCPs and RCPs). @default none: the stack is not synthesized */
    organization: organizationConfigSchema.optional(),
    accounts: z.array(accountConfigSchema).min(1),
    /**
     * Tripwires (docs/configuration.md#tripwires): rules that end a live grant at once when its session
     * calls what it must not. @default none: the broker does not watch grants
     */
    tripwires: z
      .object({
        /** IAM action patterns whose attempt ends the grant. @default the blog's hard ceiling */
        denyListedActions: z.array(z.string().regex(/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/, 'must be an IAM action such as ec2:TerminateInstances')).max(50).default([...DEFAULT_TRIPWIRE_DENY_LIST]),
        /** N refusals (AccessDenied and the like) within M seconds end the grant; `null` turns the rule off. @default 5 in 60 s */
        accessDenied: z
          .object({ count: z.number().int().min(1).max(100), withinSeconds: z.number().int().min(1).max(3600) })
          .strict()
          .nullable()
          .default({ count: 5, withinSeconds: 60 }),
        /** A call outside the request's `plannedActions` (when they name IAM actions) ends the grant. @default true */
        unplannedCalls: z.boolean().default(true),
        /**
         * Also forward read-only management events (Describe*, Get*, List*): the target accounts' rule state is
         * then `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. Without them a read outside the plan or a refused
         * read is not seen. @default true
         */
        readOnlyEvents: z.boolean().default(true),
      })
      .strict()
      .optional(),
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
      .refine((a) => a.maxLagMinutes >= a.delayMinutes + AUDIT_SETTLE_MINUTES, {
        // Settling takes a baseline poll and two quiet polls a minute apart after the delay; with less
        // room no report could ever be complete.
        message: `must be at least delayMinutes + ${AUDIT_SETTLE_MINUTES}`,
        path: ['maxLagMinutes'],
      }),
    /**
     * IAM Access Analyzer's proofs of each session policy before AssumeRole (docs/security-model.md):
     * `onFail: 'refuse'` stops a mint whose proof FAILs, `'warn'` mints and reports the FAIL.
     * "Not proven" (Access Analyzer unreachable) never stops a mint. @default { onFail: 'refuse' }
     */
    proofs: z.object({ onFail: z.enum(['refuse', 'warn']) }).strict().optional(),
    /**
     * Per-agent request limits (docs/configuration.md#limits): a request over one is refused before any
     * approver is emailed, with an `Elevation Refused` event (code `RATE_LIMITED`).
     * @default { pendingPerAgent: 5, requestsPerHourPerAgent: 20 }
     */
    limits: z
      .object({
        /** An agent's requests waiting for a decision at once. @default 5 */
        pendingPerAgent: z.number().int().min(1).max(100).default(DEFAULT_REQUEST_LIMITS.pendingPerAgent),
        /** An agent's requests in one clock hour (UTC), refused ones not counted. @default 20 */
        requestsPerHourPerAgent: z.number().int().min(1).max(1000).default(DEFAULT_REQUEST_LIMITS.requestsPerHourPerAgent),
      })
      .strict()
      .optional(),
    /**
     * Notices before a grant expires (docs/configuration.md#notifications): the agent gets `Elevation Expiring`
     * and the approvers who approved the grant an email. @default { beforeExpiryMinutes: 5 }
     */
    notifications: z
      .object({
        /** Minutes before the expiry; 0 turns the notices off. Must be less than the longest role maximum. @default 5 */
        beforeExpiryMinutes: z.number().int().min(0).max(MAX_BEFORE_EXPIRY_MINUTES).default(DEFAULT_BEFORE_EXPIRY_MINUTES),
      })
      .strict()
      .optional(),
  })
  .strict();

export type JitConfig = z.infer<typeof jitConfigSchema>;
export type RoleConfig = z.infer<typeof roleConfigSchema>;
export type AccountConfig = z.infer<typeof accountConfigSchema>;
export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentEntryConfig = z.infer<typeof agentEntrySchema>;
export type PassableRoleConfig = z.infer<typeof passableRoleSchema>;
export type OrganizationConfig = z.infer<typeof organizationConfigSchema>;
export type SlackConfig = z.infer<typeof slackConfigSchema>;
export type ApprovalRuleConfig = z.infer<typeof approvalRuleSchema>;
