import { z } from 'zod';
import type { BrokerSettings } from './broker-settings';
import type { ElevationRequest } from './elevation-request';

/**
 * Rules that approve without a human (config `approval.rules`, docs/approvals.md#rules-that-approve-without-a-human).
 * A rule approves a request only when every condition holds: the account and role are the rule's, the role
 * is not `humanOnly`, the minutes are at most the rule's, every planned action is within its read-only set,
 * and the whole grant (now until now + minutes) lies inside one of its time windows. An extension never
 * qualifies. Anything else goes to the humans, as before. The decision is recorded as approved by `rule:<name>`.
 */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export const approvalRuleSettingSchema = z.object({
  name: z.string(),
  /** Account ids or names. @default every account */
  accounts: z.array(z.string()).optional(),
  roles: z.array(z.string()).min(1),
  maxMinutes: z.number().int().positive(),
  /** `read-only` (see `isReadOnlyAction`) or an explicit list of `service:Action` names. */
  actions: z.union([z.literal('read-only'), z.array(z.string()).min(1)]),
  /** IANA time zone the windows are in. */
  timeZone: z.string().optional(),
  /** @default any time */
  windows: z.array(z.object({ days: z.array(z.enum(WEEKDAYS)).min(1), from: z.string().regex(HH_MM), to: z.string().regex(HH_MM) })).optional(),
});
export type ApprovalRuleSetting = z.infer<typeof approvalRuleSettingSchema>;

/** An IAM action as a planned action must name it: `service:Action`, no wildcard. */
export const IAM_ACTION = /^[a-z0-9-]{2,64}:[A-Za-z0-9]{2,128}$/;

/**
 * Actions that read secrets, credentials or data despite a read-only name; never read-only here, since
 * the point of a read-only rule is that nothing sensitive leaves the account without a human.
 */
const NOT_READ_ONLY = [
  /^secretsmanager:GetSecretValue$/i,
  /^secretsmanager:BatchGetSecretValue$/i,
  /^ssm:GetParameters?$/i,
  /^ssm:GetParametersByPath$/i,
  /^ssm:GetParameterHistory$/i,
  /^s3:GetObject/i,
  /^ecr:GetAuthorizationToken$/i,
  /^ecr:GetDownloadUrlForLayer$/i,
  /^sts:/i,
  /^kms:/i,
  /^lambda:GetFunction$/i,
  /^codecommit:Get(File|Blob|Folder|Differences)$/i,
  /^dynamodb:(GetItem|BatchGetItem)$/i,
  /^cognito-identity:GetCredentialsForIdentity$/i,
  /^cognito-identity:GetOpenIdToken/i,
  /^rds:GenerateDbAuthToken$/i,
  /^redshift:GetClusterCredentials/i,
  /^sso:GetRoleCredentials$/i,
  /^iam:GetCredentialReport$/i,
  /^ec2:GetPasswordData$/i,
  /^glue:GetConnection/i,
  /:Get[A-Za-z]*(Secret|Credential|Password|Token|Key)[A-Za-z]*$/,
];

/**
 * The read-only set of `actions: "read-only"`: `service:Describe*`, `service:Get*` or `service:List*`, named
 * exactly (no wildcard), and none of `NOT_READ_ONLY`.
 */
export function isReadOnlyAction(action: string): boolean {
  if (!IAM_ACTION.test(action)) return false;
  const name = action.split(':')[1];
  if (!/^(Describe|Get|List)[A-Z0-9]/.test(name)) return false;
  return !NOT_READ_ONLY.some((pattern) => pattern.test(action));
}

/** The day and minute of day of `at` in `timeZone` (IANA), through the runtime's time zone data. */
export function localTime(at: Date, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('weekday') as Weekday, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the grant from `start` for `minutes` lies in one window, the same day, in the rule's time zone. */
function inWindow(rule: ApprovalRuleSetting, start: Date, minutes: number): boolean {
  if (!rule.windows) return true;
  const begin = localTime(start, rule.timeZone ?? 'UTC');
  const end = localTime(new Date(start.getTime() + minutes * 60_000), rule.timeZone ?? 'UTC');
  return rule.windows.some((w) => {
    const from = minuteOf(w.from);
    const to = minuteOf(w.to);
    const endMinute = end.day === begin.day ? end.minute : end.minute + 24 * 60;
    return w.days.includes(begin.day) && begin.minute >= from && endMinute <= to;
  });
}

/** Why a rule does not approve a request, one line per unmet condition; empty when it approves. */
export function ruleMisses(rule: ApprovalRuleSetting, request: ElevationRequest, settings: Pick<BrokerSettings, 'humanOnlyRoles'>, now: Date): string[] {
  const misses: string[] = [];
  // Only a human lengthens a grant: judged one extension at a time, a rule could chain short ones for hours.
  if (request.extension) misses.push(`an extension of ${request.extension.requestId}: only a human approves more time`);
  if (rule.accounts && !rule.accounts.includes(request.accountId) && !rule.accounts.includes(request.accountName)) misses.push(`account ${request.accountName} is not one of the rule's`);
  if (!rule.roles.includes(request.role)) misses.push(`role ${request.role} is not one of the rule's`);
  if ((settings.humanOnlyRoles ?? []).includes(request.role)) misses.push(`role ${request.role} is humanOnly`);
  if (request.minutes > rule.maxMinutes) misses.push(`${request.minutes} minutes is more than the rule's ${rule.maxMinutes}`);
  if (request.plannedActions.length === 0) misses.push('no planned actions: nothing shows the work is read-only');
  const explicit = rule.actions === 'read-only' ? undefined : rule.actions.map((a) => a.toLowerCase());
  const outside = request.plannedActions.filter((action) => (explicit ? !IAM_ACTION.test(action) || !explicit.includes(action.toLowerCase()) : !isReadOnlyAction(action)));
  if (outside.length > 0) misses.push(`planned actions outside the rule's set: ${outside.join(', ')}`);
  if (!inWindow(rule, now, request.minutes)) misses.push(`the grant would not lie within the rule's time windows (${rule.timeZone ?? 'UTC'})`);
  return misses;
}

/** The first rule (config order) that approves the request, if any. */
export function approvingRule(settings: Pick<BrokerSettings, 'approvalRules' | 'humanOnlyRoles'>, request: ElevationRequest, now: Date): ApprovalRuleSetting | undefined {
  return (settings.approvalRules ?? []).find((rule) => ruleMisses(rule, request, settings, now).length === 0);
}

/** The approver a rule's decision names. */
export function ruleApprover(rule: Pick<ApprovalRuleSetting, 'name'>): string {
  return `rule:${rule.name}`;
}
