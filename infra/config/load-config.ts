import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BrokerSettings } from '../../handlers/core/broker-settings';
import { routingGaps } from '../../handlers/core/approver-routing';
import { ConfigError } from './config-error';
import { resolveConfigPath } from './config-path';
import { BROKER_NAMES, DEFAULT_AGENT_NAME, TARGET_NAMES } from '../../handlers/core/resource-names';
import { ESCALATION_PATH_IDS } from '../escalation/escalation-catalog';
import { DEFAULT_AGENT_ID } from '../../handlers/core/agents';
import { roleOrderProblems } from '../../handlers/core/role-order';
import { type AgentConfig, type AgentEntryConfig, type JitConfig, approverRoster, jitConfigSchema } from './jit-config';

export { ConfigError, ConfigNotFoundError } from './config-error';
export { CONFIG_FILE, EXAMPLE_CONFIG_FILE, configCandidates, resolveConfigPath, userConfigDir } from './config-path';

/** An IAM policy document as read from a role's policy file. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: ReadonlyArray<Record<string, unknown>>;
}

export interface LoadedConfig {
  readonly file: string;
  readonly config: JitConfig;
  /** Each role's policy document, by role name. */
  readonly policies: ReadonlyMap<string, PolicyDocument>;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function readPolicy(file: string, field: string, problems: string[]): PolicyDocument | undefined {
  if (!existsSync(file)) {
    problems.push(`${field}: unknown policy file ${file} (no such file)`);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${field}: policy file ${file} is not valid JSON (${(error as Error).message})`);
    return undefined;
  }
  const policy = doc as Partial<PolicyDocument>;
  if (policy.Version !== '2012-10-17' || !Array.isArray(policy.Statement) || policy.Statement.length === 0) {
    problems.push(`${field}: policy file ${file} must have Version "2012-10-17" and a non-empty Statement list`);
    return undefined;
  }
  return policy as PolicyDocument;
}

const RESERVED_ROLE_NAMES: ReadonlySet<string> = new Set([
  BROKER_NAMES.mintRole,
  BROKER_NAMES.resetRole,
  BROKER_NAMES.auditRole,
  BROKER_NAMES.revokeRole,
  BROKER_NAMES.schedulerRole,
  BROKER_NAMES.liftSchedulerRole,
  TARGET_NAMES.auditReaderRole,
  TARGET_NAMES.revokerRole,
]);
const RESERVED_LOWER: ReadonlySet<string> = new Set([...RESERVED_ROLE_NAMES].map((n) => n.toLowerCase()));

function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * Each agent must be neither a broker principal nor an elevated role, must not be trusted by one, and must
 * not be another agent: agents trusting each other's names would share secrets.
 */
function checkAgent(config: JitConfig, elevatedNames: readonly string[], problems: string[]): void {
  const agents = agentsOf(config);
  const names = agents.map((a) => agentNameOf(a));
  agents.forEach((agent, index) => {
    const field = config.agents ? `agents.${index}` : 'agent';
    const name = agentNameOf(agent);
    if (RESERVED_LOWER.has(name.toLowerCase()) || elevatedNames.some((n) => n.toLowerCase() === name.toLowerCase())) {
      problems.push(`${field}.name: "${name}" is the name of a broker or elevated role; the agent needs a name of its own`);
    }
    if (agent.kind !== 'role') return;
    (agent.trust.principals ?? []).forEach((arn, i) => {
      const trusted = nameOfArn(arn);
      if (accountOfArn(arn) === config.hub.account && (RESERVED_ROLE_NAMES.has(trusted) || names.includes(trusted))) {
        problems.push(`${field}.trust.principals.${i}: ${arn} is a broker role or the agent itself, or another agent; each agent must be separate from the broker and from the other agents`);
      }
      if (elevatedNames.includes(trusted) && config.accounts.some((a) => a.id === accountOfArn(arn))) {
        problems.push(`${field}.trust.principals.${i}: ${arn} is an elevated role; an elevated session must not become the agent`);
      }
    });
    (agent.trust.rolesAnywhere?.trustAnchorArns ?? []).forEach((arn, i) => {
      if (accountOfArn(arn) !== config.hub.account) {
        problems.push(
          `${field}.trust.rolesAnywhere.trustAnchorArns.${i}: ${arn} is not in the hub account ${config.hub.account}; Roles Anywhere needs the trust anchor and the role in one account`,
        );
      }
    });
  });
  if (!config.agents) return;
  for (const d of sameAsEarlier(config.agents, (a) => a.id)) problems.push(`agents.${d.index}.id: the same id as agents.${d.first}.id. Received: ${received(d.value)}`);
  // IAM names are unique in an account without regard to case, users and roles alike for our purposes.
  for (const d of sameAsEarlier(agents, (a) => agentNameOf(a), (v) => v.toLowerCase())) {
    problems.push(`agents.${d.index}.name: the same IAM name as agents.${d.first} (each agent needs an identity of its own). Received: ${received(d.value)}`);
  }
}

/** `field.<i>.<key>` of every entry whose key (compared by `normalize`) an earlier entry already has. */
function sameAsEarlier<T>(
  entries: readonly T[],
  valueOf: (entry: T) => string,
  normalize: (value: string) => string = (v) => v,
): Array<{ index: number; first: number; value: string }> {
  const seen = new Map<string, number>();
  const found: Array<{ index: number; first: number; value: string }> = [];
  entries.forEach((entry, index) => {
    const value = valueOf(entry);
    const first = seen.get(normalize(value));
    if (first === undefined) seen.set(normalize(value), index);
    else found.push({ index, first, value });
  });
  return found;
}

/** A 12-digit name reads as an account id: `findAccount` matches ids and names, so it could pick the wrong one. */
const LOOKS_LIKE_ACCOUNT_ID = /^\d{12}$/;
/** The CDK bootstrap roles' prefix: the ceiling keeps them read-only, so an elevated role there would be too. */
const CDK_BOOTSTRAP_PREFIX = 'cdk-';
/** The prefix the ceiling protects in every account (roles and users named `jit-*` stay read-only to elevated sessions). */
const PROTECTED_PREFIX = 'jit-';

function checkAccounts(config: JitConfig, problems: string[]): void {
  config.accounts.forEach((account, i) => {
    if (LOOKS_LIKE_ACCOUNT_ID.test(account.name)) {
      problems.push(
        `accounts.${i}.name: must not be 12 digits, or it could be taken for an account id (a request for one account would reach another); use a name such as "prod". Received: ${received(account.name)}`,
      );
    }
  });
  for (const d of sameAsEarlier(config.accounts, (a) => a.id)) problems.push(`accounts.${d.index}.id: the same id as accounts.${d.first}.id. Received: ${received(d.value)}`);
  for (const d of sameAsEarlier(config.accounts, (a) => a.name)) problems.push(`accounts.${d.index}.name: the same name as accounts.${d.first}.name. Received: ${received(d.value)}`);
}

function checkRoleNames(config: JitConfig, problems: string[]): void {
  for (const d of sameAsEarlier(config.roles, (r) => r.name)) problems.push(`roles.${d.index}.name: the same name as roles.${d.first}.name. Received: ${received(d.value)}`);
  // IAM names are unique in an account without regard to case: two of these would be one role.
  // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
  for (const d of sameAsEarlier(config.roles, (r) => iamRoleNameOf(r), (v) => v.toLowerCase())) {
    problems.push(`roles.${d.index}.iamRoleName: the same IAM role name as roles.${d.first} (IAM role names are case-insensitive). Received: ${received(d.value)}`);
  }
  config.roles.forEach((role, i) => {
    const iamName = iamRoleNameOf(role);
    if (RESERVED_LOWER.has(iamName.toLowerCase())) {
      problems.push(`roles.${i}.iamRoleName: the name of a role the broker deploys; choose another. Received: ${received(iamName)}`);
    } else if (iamName.toLowerCase().startsWith(CDK_BOOTSTRAP_PREFIX)) {
      problems.push(`roles.${i}.iamRoleName: must not start with "${CDK_BOOTSTRAP_PREFIX}" (the CDK bootstrap roles, which the ceiling keeps read-only). Received: ${received(iamName)}`);
    }
  });
  // A role may be asked for by either name, so one role's short name must not be another's IAM name.
  config.roles.forEach((role, i) => {
    const other = config.roles.findIndex((r, j) => j !== i && iamRoleNameOf(r) === role.name);
    if (other >= 0) problems.push(`roles.${i}.name: "${role.name}" is the IAM role name of roles.${other}; requests name a role by either`);
  });
}

/**
 * With the hub also a target, elevated sessions run in the account that holds the agent's identity. The
 * ceiling keeps `jit-*` principals read-only; any other agent name could be given an administrator policy
 * by a Security grant and keep it after the grant ends, so the layout is refused rather than half protected.
 */
function checkHubAsTarget(config: JitConfig, problems: string[]): void {
  const asTarget = config.accounts.findIndex((a) => a.id === config.hub.account);
  if (asTarget < 0) return;
  agentsOf(config).forEach((agent, index) => {
    const name = agentNameOf(agent);
    if (name.startsWith(PROTECTED_PREFIX)) return;
    problems.push(
      `${config.agents ? `agents.${index}` : 'agent'}.name: must start with "${PROTECTED_PREFIX}" when the hub account (${config.hub.account}) is also a target (accounts.${asTarget}): elevated sessions there may not change ${PROTECTED_PREFIX} principals, but could make any other agent name an administrator for good. Received: ${received(name)}`,
    );
  });
}

/**
 * Approver routes (docs/approvals.md#routing): each names a configured account and role, no two the same
 * pair, and every account/role pair the config allows reaches someone (enough people for its quorum).
 */
function checkApprovalRoutes(config: JitConfig, problems: string[]): void {
  const routes = config.approval.routes ?? [];
  const seen = new Map<string, number>();
  routes.forEach((route, i) => {
    const account = route.account === undefined ? undefined : config.accounts.find((a) => a.id === route.account || a.name === route.account);
    if (route.account !== undefined && !account) {
      problems.push(`approval.routes.${i}.account: not a configured account (${config.accounts.map((a) => a.name).join(', ')}). Received: ${received(route.account)}`);
    }
    if (route.role !== undefined && !config.roles.some((r) => r.name === route.role)) {
      problems.push(`approval.routes.${i}.role: not a configured role (${config.roles.map((r) => r.name).join(', ')}). Received: ${received(route.role)}`);
    } else if (route.role !== undefined && account?.roles && !account.roles.includes(route.role)) {
      problems.push(`approval.routes.${i}: role ${route.role} is not offered in account ${account.name} (its roles: ${account.roles.join(', ')})`);
    }
    const key = `${account?.id ?? route.account ?? '*'}/${route.role ?? '*'}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) problems.push(`approval.routes.${i}: routes the same ${route.account ? `account ${route.account}` : 'accounts'} and ${route.role ? `role ${route.role}` : 'roles'} as approval.routes.${earlier}`);
    else seen.set(key, i);
  });
  if (problems.some((p) => p.startsWith('approval.routes.') || p.startsWith('accounts.'))) return;
  for (const gap of routingGaps(toBrokerSettings(config))) problems.push(`approval.routes: ${gap}`);
}

/** A route's approvers as addresses: groups replaced by their members, each person once. */
function routeApprovers(config: JitConfig, entries: readonly string[]): string[] {
  const all = entries.flatMap((entry) => (entry.includes('@') ? [entry] : (config.approval.groups?.[entry] ?? [])));
  return all.filter((a, i) => all.findIndex((b) => b.toLowerCase() === a.toLowerCase()) === i);
}

/** Checks what the schema cannot: uniqueness, references between sections, policy files on disk. */
function crossCheck(config: JitConfig, baseDir: string, problems: string[]): Map<string, PolicyDocument> {
  checkAccounts(config, problems);
  checkRoleNames(config, problems);
  const iamNames = config.roles.map((r) => iamRoleNameOf(r));
  checkHubAsTarget(config, problems);

  const roleNames = new Set(config.roles.map((r) => r.name));
  config.accounts.forEach((account, i) => {
    for (const role of account.roles ?? []) {
      if (!roleNames.has(role)) problems.push(`accounts.${i}.roles: unknown role "${role}" (configured: ${[...roleNames].join(', ')})`);
    }
  });

  checkAgent(config, iamNames, problems);
  checkApprovalRoutes(config, problems);
  checkRoleOrder(config, problems);
  checkApprovalRules(config, problems);
  checkBreakGlass(config, problems);
  checkNotifications(config, problems);

  const policies = new Map<string, PolicyDocument>();
  config.roles.forEach((role, i) => {
    if (role.defaultMinutes > role.maxMinutes) {
      problems.push(`roles.${i}.defaultMinutes: ${role.defaultMinutes} is more than maxMinutes ${role.maxMinutes}`);
    }
    (role.allowEscalation ?? []).forEach((allowance, j) => {
      const field = `roles.${i}.allowEscalation.${j}.path`;
      if (!ESCALATION_PATH_IDS.includes(allowance.path)) {
        problems.push(`${field}: not a path of the escalation catalog (infra/escalation/escalation-paths.json). Received: ${received(allowance.path)}`);
      } else if (role.allowEscalation?.findIndex((a) => a.path === allowance.path) !== j) {
        problems.push(`${field}: names the same path twice. Received: ${received(allowance.path)}`);
      }
    });
    const file = isAbsolute(role.policyFile) ? role.policyFile : resolve(baseDir, role.policyFile);
    const policy = readPolicy(file, `roles.${i}.policyFile`, problems);
    if (policy) policies.set(role.name, policy);
  });
  return policies;
}

/**
 * A notice as long before the expiry as the longest role allows, or longer, could never fall inside a
 * grant: every notice would be skipped while the config says they are on.
 */
function checkNotifications(config: JitConfig, problems: string[]): void {
  const minutes = config.notifications?.beforeExpiryMinutes;
  if (minutes === undefined || minutes === 0) return;
  const longest = config.roles.reduce((a, b) => (b.maxMinutes > a.maxMinutes ? b : a));
  if (minutes >= longest.maxMinutes) {
    problems.push(
      `notifications.beforeExpiryMinutes: ${minutes} is not less than the longest role maximum (${longest.maxMinutes} minutes, role ${longest.name}), so no grant would ever get its notice; use fewer minutes, or 0 to turn notices off`,
    );
  }
}

/** The declared privilege order (`roles[].narrowerThan`): known roles, none narrower than itself, no cycle. */
function checkRoleOrder(config: JitConfig, problems: string[]): void {
  const names = config.roles.map((r) => r.name);
  for (const problem of roleOrderProblems(roleOrderOf(config), names)) {
    problems.push(`roles.${names.indexOf(problem.role)}.narrowerThan: ${problem.message}`);
  }
}

/** `roles[].narrowerThan` as the settings carry it: only the roles that declare one. */
export function roleOrderOf(config: Pick<JitConfig, 'roles'>): Record<string, string[]> {
  return Object.fromEntries(config.roles.filter((r) => r.narrowerThan).map((r) => [r.name, [...(r.narrowerThan ?? [])]]));
}

/** `roles[].breakGlass`: within the role's own maximum, and someone who can use it (an IAM approver identity). */
function checkBreakGlass(config: JitConfig, problems: string[]): void {
  config.roles.forEach((role, i) => {
    if (!role.breakGlass) return;
    if (role.breakGlass.maxMinutes > role.maxMinutes) {
      problems.push(`roles.${i}.breakGlass.maxMinutes: ${role.breakGlass.maxMinutes} is more than the role's maxMinutes (${role.maxMinutes})`);
    }
    if (!config.approval.iamPrincipals) {
      problems.push(`roles.${i}.breakGlass: needs approval.iamPrincipals (break-glass is only through the IAM approver routes, jit approve --break-glass)`);
    }
  });
}

/** `approval.rules`: unique names, known accounts and roles, never a humanOnly role, within the roles' maximum. */
function checkApprovalRules(config: JitConfig, problems: string[]): void {
  const rules = config.approval.rules ?? [];
  for (const d of sameAsEarlier(rules, (r) => r.name)) problems.push(`approval.rules.${d.index}.name: the same name as approval.rules.${d.first}.name. Received: ${received(d.value)}`);
  rules.forEach((rule, i) => {
    (rule.accounts ?? []).forEach((account, j) => {
      if (!config.accounts.some((a) => a.id === account || a.name === account)) {
        problems.push(`approval.rules.${i}.accounts.${j}: unknown account "${account}" (configured: ${config.accounts.map((a) => a.name).join(', ')})`);
      }
    });
    rule.roles.forEach((name, j) => {
      const role = config.roles.find((r) => r.name === name);
      const field = `approval.rules.${i}.roles.${j}`;
      if (!role) problems.push(`${field}: unknown role "${name}" (configured: ${config.roles.map((r) => r.name).join(', ')})`);
      else if (role.humanOnly) problems.push(`${field}: role ${name} is humanOnly; no rule may approve it`);
      else if (rule.maxMinutes > role.maxMinutes) problems.push(`approval.rules.${i}.maxMinutes: ${rule.maxMinutes} is more than the ${role.maxMinutes} allowed for role ${name}`);
    });
  });
}

/** Reads and validates a config file; every problem is reported at once. */
export function loadJitConfig(file: string = resolveConfigPath()): LoadedConfig {
  if (!existsSync(file)) throw new ConfigError(file, ['file not found']);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const parsed = jitConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((issue) => {
        const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
        return `${where}: ${issue.message}. Received: ${received(valueAt(raw, issue.path))}`;
      }),
    );
  }
  const problems: string[] = [];
  if (raw !== null && typeof raw === 'object' && 'agent' in raw && 'agents' in raw) {
    problems.push('agents: not together with agent; list the one agent under agents, or keep agent alone. Received: both');
  }
  const config = withAgentsNamed(parsed.data);
  const policies = crossCheck(config, dirname(file), problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, config, policies };
}

/**
 * Gives every entry of `agents` its IAM name (the first `jit-agent`, the others `jit-agent-<id>`, unless
 * named) and makes `agent` the first of them, so code that knows one agent sees the first.
 */
function withAgentsNamed(config: JitConfig): JitConfig {
  if (!config.agents) return config;
  const agents = config.agents.map((agent, i) => ({ ...agent, name: agent.name ?? (i === 0 ? DEFAULT_AGENT_NAME : `${DEFAULT_AGENT_NAME}-${agent.id}`) }));
  const { id: _id, ...first } = agents[0];
  return { ...config, agent: first, agents };
}

/**
 * Every agent of the config, in order, each with its id: `agents` as given, or the one `agent` as `default`.
 * The first keeps the seed's names (secrets `agent/elevated/<account>`, source `jit.agent`).
 */
export function agentsOf(config: Pick<JitConfig, 'agent' | 'agents'>): AgentEntryConfig[] {
  return config.agents ? [...config.agents] : [{ ...config.agent, id: DEFAULT_AGENT_ID }];
}

export function iamRoleNameOf(role: { name: string; iamRoleName?: string }): string {
  return role.iamRoleName ?? `jit-elevated-${role.name.toLowerCase()}`;
}

/** The agent's IAM user or role name in the hub account. */
export function agentNameOf(agent: Pick<AgentConfig, 'name'>): string {
  return agent.name ?? DEFAULT_AGENT_NAME;
}

/** The ARN the agent's requests carry as `aws:PrincipalArn` (for a role session: the role's ARN). */
export function agentPrincipalArn(agent: AgentConfig, partition: string, hubAccount: string): string {
  return `arn:${partition}:iam::${hubAccount}:${agent.kind}/${agentNameOf(agent)}`;
}

/** A role's policy document without what evaluation does not need (Version, Sid), to save environment space. */
function compactPolicy(policy: PolicyDocument): unknown {
  const list = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return { Statement: list.map((s) => Object.fromEntries(Object.entries(s as Record<string, unknown>).filter(([k]) => k !== 'Sid'))) };
}

/**
 * The part of the config the broker's functions need at run time. With `policies` (the roles' policy
 * documents, by role name) the settings carry them too, for the approval messages' grant scope.
 */
export function toBrokerSettings(config: JitConfig, policies?: ReadonlyMap<string, PolicyDocument>): BrokerSettings {
  return {
    ...(policies && policies.size > 0 ? { rolePolicies: Object.fromEntries([...policies].map(([name, p]) => [name, compactPolicy(p)])) } : {}),
    agents: agentsOf(config).map((agent) => ({ id: agent.id, name: agentNameOf(agent) })),
    accounts: config.accounts.map((account) => ({
      id: account.id,
      name: account.name,
      roles: config.roles
        .filter((role) => !account.roles || account.roles.includes(role.name))
        .map((role) => ({
          name: role.name,
          iamRoleName: iamRoleNameOf(role),
          defaultMinutes: role.defaultMinutes,
          maxMinutes: role.maxMinutes,
          ...(role.description ? { description: role.description } : {}),
        })),
      ...(account.dataEventTrail
        ? {
            dataEventTrail: {
              bucket: account.dataEventTrail.bucket,
              ...(account.dataEventTrail.prefix ? { prefix: account.dataEventTrail.prefix } : {}),
              region: account.dataEventTrail.region ?? config.audit.regions[0],
            },
          }
        : {}),
    })),
    approvalWindowMinutes: config.approval.windowMinutes,
    approvers: approverRoster(config.approval),
    ...(config.approval.routes
      ? {
          approvalRoutes: [
            ...config.approval.routes.map((route) => ({
              ...(route.account !== undefined ? { account: config.accounts.find((a) => a.id === route.account || a.name === route.account)?.id ?? route.account } : {}),
              ...(route.role !== undefined ? { role: route.role } : {}),
              approvers: routeApprovers(config, route.approvers),
              ...(route.quorum !== undefined && route.quorum > 1 ? { quorum: route.quorum } : {}),
              ...(route.slackChannel ? { slackChannel: route.slackChannel } : {}),
            })),
            // The fallback, last: requests no route matches.
            { approvers: [...config.approval.approvers] },
          ],
        }
      : {}),
    ...(config.approval.iamPrincipals ? { approverPrincipals: config.approval.iamPrincipals } : {}),
    sender: config.approval.sender,
    auditRegions: config.audit.regions,
    auditDelayMinutes: config.audit.delayMinutes,
    auditMaxLagMinutes: config.audit.maxLagMinutes,
    ...(config.proofs ? { proofsOnFail: config.proofs.onFail } : {}),
    ...(config.limits ? { requestLimits: config.limits } : {}),
    ...(config.notifications ? { beforeExpiryMinutes: config.notifications.beforeExpiryMinutes } : {}),
    // The functions need where to post and who may press; the alarm's address stays in the stack.
    ...(config.approval.slack ? { slack: { postTo: config.approval.slack.postTo, secretName: config.approval.slack.secretName, users: config.approval.slack.users } } : {}),
    ...(config.tripwires
      ? { tripwires: { denyListedActions: config.tripwires.denyListedActions, accessDenied: config.tripwires.accessDenied, unplannedCalls: config.tripwires.unplannedCalls } }
      : {}),
    ...(config.roles.some((r) => r.narrowerThan) ? { roleOrder: roleOrderOf(config) } : {}),
    ...(config.approval.rules ? { approvalRules: config.approval.rules } : {}),
    ...(config.roles.some((r) => r.breakGlass)
      ? { breakGlassRoles: Object.fromEntries(config.roles.flatMap((r) => (r.breakGlass ? [[r.name, { maxMinutes: r.breakGlass.maxMinutes }]] : []))) }
      : {}),
    ...(config.roles.some((r) => r.humanOnly) ? { humanOnlyRoles: config.roles.filter((r) => r.humanOnly).map((r) => r.name) } : {}),
  };
}
