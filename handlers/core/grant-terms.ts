import { type BrokerSettings, type ElevatedRole, type TargetAccount, findAccount, findRole } from './broker-settings';

/**
 * The terms of a grant as someone asked for them: the agent's request, an approver's decision, or the
 * decision Mint is handed. The account is an id or a short name, the role a short or an IAM role name.
 */
export interface AskedTerms {
  readonly account: string;
  readonly role: string;
  readonly minutes: number;
}

/** The asked terms with what the config says about them. */
interface ResolvedTerms extends AskedTerms {
  readonly configuredAccount?: TargetAccount;
  readonly configuredRole?: ElevatedRole;
}

/** One rule: when `condition` holds, the terms are refused with `message` (`field: what is wrong`). */
interface GrantTermsRule {
  readonly condition: (terms: ResolvedTerms) => boolean;
  readonly message: (terms: ResolvedTerms) => string;
}

const isWhole = (minutes: number) => Number.isInteger(minutes);

/**
 * "The role is configured for the account, the minutes within its maximum", as rules. Request, decision
 * and mint all run these, so every entry point refuses the same terms in the same words.
 */
const GRANT_TERMS_RULES: readonly GrantTermsRule[] = [
  {
    condition: (t) => !t.configuredAccount,
    message: (t) => `account: "${t.account}" is not a configured account`,
  },
  {
    condition: (t) => t.configuredAccount !== undefined && !t.configuredRole,
    message: (t) => `role: "${t.role}" is not configured for account ${t.configuredAccount?.name} (allowed: ${t.configuredAccount?.roles.map((r) => r.name).join(', ')})`,
  },
  {
    condition: (t) => !isWhole(t.minutes),
    message: () => 'minutes: must be a whole number',
  },
  {
    condition: (t) => isWhole(t.minutes) && t.minutes < 1,
    message: () => 'minutes: must be at least 1',
  },
  {
    condition: (t) => t.configuredRole !== undefined && isWhole(t.minutes) && t.minutes > t.configuredRole.maxMinutes,
    message: (t) => `minutes: ${t.minutes} is more than the ${t.configuredRole?.maxMinutes} allowed for role ${t.configuredRole?.name}`,
  },
];

export type GrantTermsCheck =
  | { readonly ok: true; readonly account: TargetAccount; readonly role: ElevatedRole; readonly minutes: number }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Checks asked terms against the config: every rule runs, and every problem is reported at once.
 *
 * @example
 * checkGrantTerms(settings, { account: 'prod', role: 'Ops', minutes: 45 });
 * // { ok: false, problems: ['minutes: 45 is more than the 30 allowed for role Ops'] }
 */
export function checkGrantTerms(settings: BrokerSettings, asked: AskedTerms): GrantTermsCheck {
  const configuredAccount = findAccount(settings, asked.account);
  const configuredRole = configuredAccount ? findRole(configuredAccount, asked.role) : undefined;
  const terms: ResolvedTerms = { ...asked, ...(configuredAccount ? { configuredAccount } : {}), ...(configuredRole ? { configuredRole } : {}) };
  const problems = GRANT_TERMS_RULES.filter((rule) => rule.condition(terms)).map((rule) => rule.message(terms));
  if (problems.length > 0 || !configuredAccount || !configuredRole) return { ok: false, problems };
  return { ok: true, account: configuredAccount, role: configuredRole, minutes: asked.minutes };
}
