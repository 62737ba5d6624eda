import type { BrokerSettings, ElevatedRole, TargetAccount } from './broker-settings';

/**
 * Narrow, never widen: the privilege order of the elevated roles, as the operator declares it with
 * `roles[].narrowerThan` (docs/approvals.md#narrow-never-widen). An approver may grant the requested role
 * or a role the config declares strictly less privileged than it (directly or through other roles), for
 * at most the requested minutes; never another role, never more minutes. Undeclared means unordered: two
 * roles with no declared order can never replace each other.
 *
 * The order is a claim the operator makes about the policy files (`Ops` narrower than `Deploy`); the
 * broker only enforces it, at every decision channel and again at mint.
 */
export type RoleOrder = Readonly<Record<string, readonly string[]>>;

/** The roles `role` is declared narrower than, directly or transitively. */
export function widerRolesOf(order: RoleOrder, role: string): ReadonlySet<string> {
  const wider = new Set<string>();
  const queue = [...(order[role] ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (wider.has(next)) continue;
    wider.add(next);
    queue.push(...(order[next] ?? []));
  }
  return wider;
}

/** Whether granting `chosen` for a request of `requested` narrows it (or keeps it). */
export function isSameOrNarrower(order: RoleOrder, requested: string, chosen: string): boolean {
  return chosen === requested || widerRolesOf(order, chosen).has(requested);
}

/** The roles of the account an approver may choose for a request of `requested`: it and the narrower ones. */
export function narrowingChoices(settings: Pick<BrokerSettings, 'roleOrder'>, account: TargetAccount, requested: string): ElevatedRole[] {
  const order = settings.roleOrder ?? {};
  return account.roles.filter((role) => isSameOrNarrower(order, requested, role.name));
}

export interface AskedNarrowing {
  readonly requestedRole: string;
  readonly requestedMinutes: number;
  readonly chosenRole: string;
  readonly chosenMinutes: number;
}

/**
 * What makes a decision wider than its request, as `field: what is wrong` lines; empty when it narrows or
 * keeps the request. Role names are the short names (resolved by the caller).
 *
 * @example
 * wideningProblems({ Ops: ['Security'] }, { requestedRole: 'Ops', requestedMinutes: 5, chosenRole: 'Security', chosenMinutes: 30 });
 * // ['role: Security is not narrower than the requested Ops ...', 'minutes: 30 is more than the 5 requested ...']
 */
export function wideningProblems(order: RoleOrder, asked: AskedNarrowing): string[] {
  const problems: string[] = [];
  if (!isSameOrNarrower(order, asked.requestedRole, asked.chosenRole)) {
    problems.push(
      `role: ${asked.chosenRole} is not narrower than the requested ${asked.requestedRole}; an approver may only keep the role or choose one the config declares less privileged (roles[].narrowerThan)`,
    );
  }
  if (Number.isInteger(asked.chosenMinutes) && asked.chosenMinutes > asked.requestedMinutes) {
    problems.push(`minutes: ${asked.chosenMinutes} is more than the ${asked.requestedMinutes} requested; an approver may only lower the minutes`);
  }
  return problems;
}

/**
 * Problems with a declared order, for the config loader: unknown names, a role narrower than itself, and
 * cycles (a role that would end up narrower than itself through others). `names` are the configured roles.
 */
export function roleOrderProblems(order: RoleOrder, names: readonly string[]): { role: string; message: string }[] {
  const problems: { role: string; message: string }[] = [];
  for (const [role, wider] of Object.entries(order)) {
    for (const other of wider) {
      if (!names.includes(other)) problems.push({ role, message: `unknown role "${other}" (configured: ${names.join(', ')})` });
      else if (other === role) problems.push({ role, message: `names the role itself; a role cannot be narrower than itself` });
    }
    if (wider.every((other) => other !== role) && widerRolesOf(order, role).has(role)) {
      problems.push({ role, message: `makes a cycle: through ${[...widerRolesOf(order, role)].join(', ')} the role ends up narrower than itself` });
    }
  }
  return problems;
}
