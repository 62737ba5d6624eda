import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { TARGET_NAMES, managedPolicyArn } from '../../handlers/core/resource-names';
import { arnOf, identityPoliciesOfRole, principalLogicalId, prop, resolve, PARTITION, type SynthesizedStack } from '../../sandbox/template/deployed-template';
import { iamRoleNameOf, type LoadedConfig } from '../config/load-config';
import { targetStackName } from '../../handlers/core/resource-names';
import { ESCALATION_PATHS, type EscalationPath } from './escalation-catalog';
import { type OpenPath, openPaths, type SynthesizedElevatedRole } from './escalation-lint';

/** A path a role leaves open because its config says so, with the operator's reason. */
export interface AllowedPath {
  readonly roleIndex: number;
  readonly open: OpenPath;
  readonly reason: string;
}

/** A `roles[].allowEscalation` entry whose path the synthesized policies close anyway. */
export interface UnneededAllowance {
  readonly roleIndex: number;
  readonly roleName: string;
  readonly path: string;
}

export interface EscalationReport {
  /** Open paths with no `allowEscalation` entry: synth fails on these. */
  readonly refused: ReadonlyArray<{ readonly roleIndex: number; readonly open: OpenPath }>;
  readonly allowed: readonly AllowedPath[];
  readonly unneeded: readonly UnneededAllowance[];
}

function stackOf(assembly: CloudAssembly, name: string, account: string, region: string): SynthesizedStack {
  const template = assembly.getStackByName(name).template as { Resources: SynthesizedStack['resources'] };
  return { name, account, region, resources: template.Resources };
}

/** The role's permissions boundary from the template, if it has one the template defines. */
function boundaryOf(stack: SynthesizedStack, roleName: string): unknown {
  const role = stack.resources[principalLogicalId(stack, 'role', roleName)];
  const arn = resolve(prop(role, 'PermissionsBoundary'), stack);
  if (typeof arn !== 'string') return undefined;
  // A boundary from outside the template can only narrow: leaving it out can only open more paths.
  const found = Object.entries(stack.resources).find(([id, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && arnOf(stack, id, r) === arn);
  return found ? resolve(prop(found[1], 'PolicyDocument'), stack) : undefined;
}

/** Every elevated role of every target account, with its policies as the synthesized templates deploy them. */
export function synthesizedElevatedRoles(loaded: LoadedConfig, assembly: CloudAssembly): SynthesizedElevatedRole[] {
  const { config } = loaded;
  return config.accounts.flatMap((account) => {
    const stack = stackOf(assembly, targetStackName(account.name), account.id, config.hub.region);
    return config.roles
      .filter((role) => !account.roles || account.roles.includes(role.name))
      .map((role) => {
        const iamRoleName = iamRoleNameOf(role);
        const boundary = boundaryOf(stack, iamRoleName);
        return {
          roleName: role.name,
          iamRoleName,
          accountId: account.id,
          accountName: account.name,
          partition: PARTITION,
          region: config.hub.region,
          identityPolicies: identityPoliciesOfRole(stack, iamRoleName),
          ...(boundary !== undefined ? { boundary } : {}),
          brokerBoundaryArn: managedPolicyArn(PARTITION, account.id, TARGET_NAMES.boundaryPolicy),
        };
      });
  });
}

/** Sorts the open paths of the synthesized roles into refused and allowed ones, and finds stale allowances. */
export function escalationReport(loaded: LoadedConfig, roles: readonly SynthesizedElevatedRole[], catalog: readonly EscalationPath[] = ESCALATION_PATHS): EscalationReport {
  const { config } = loaded;
  const open = openPaths(roles, catalog);
  const refused: Array<{ roleIndex: number; open: OpenPath }> = [];
  const allowed: AllowedPath[] = [];
  for (const o of open) {
    const roleIndex = config.roles.findIndex((r) => r.name === o.role.roleName);
    const allowance = config.roles[roleIndex]?.allowEscalation?.find((a) => a.path === o.path.id);
    if (allowance) allowed.push({ roleIndex, open: o, reason: allowance.reason });
    else refused.push({ roleIndex, open: o });
  }
  const unneeded: UnneededAllowance[] = [];
  config.roles.forEach((role, roleIndex) => {
    for (const allowance of role.allowEscalation ?? []) {
      if (!catalog.some((p) => p.id === allowance.path)) continue;
      if (!open.some((o) => o.role.roleName === role.name && o.path.id === allowance.path)) unneeded.push({ roleIndex, roleName: role.name, path: allowance.path });
    }
  });
  return { refused, allowed, unneeded };
}

/** Open paths of one role and path, over the accounts that have the role. */
function grouped<T extends { roleIndex: number; open: OpenPath }>(entries: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const e of entries) {
    const key = `${e.roleIndex} ${e.open.path.id}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()];
}

function accountsOf(entries: ReadonlyArray<{ open: OpenPath }>): string {
  return entries.map((e) => `${e.open.role.accountName} (${e.open.role.accountId})`).join(', ');
}

function callsOf(open: OpenPath): string {
  return open.allowedCalls.map((c) => `${c.action} on ${c.resource}`).join(', then ');
}

/** The message `cdk synth` fails with: one entry per role and path, naming the role, the actions and the fix. */
export function refusalMessage(report: EscalationReport): string {
  const groups = grouped(report.refused);
  const lines = [`Escalation lint: ${groups.length} privilege-escalation path${groups.length === 1 ? '' : 's'} open that the ceiling does not close.`];
  for (const group of groups) {
    const { roleIndex, open } = group[0];
    const field = `roles.${roleIndex}`;
    lines.push(
      `  - ${field} (${open.role.roleName}, IAM role ${open.role.iamRoleName} in ${accountsOf(group)}) opens "${open.path.id}" (${open.path.title}): ${open.unevaluated ? `could not be proven closed (${open.unevaluated}); calls ` : ''}allowed: ${callsOf(open)}.`,
      `      Why: ${open.path.why}`,
      `      Fix: ${open.path.fix} If the role must keep this path, add {"path": "${open.path.id}", "reason": "<why the role needs it>"} to ${field}.allowEscalation.`,
      `      See: ${open.path.reference}`,
    );
  }
  return lines.join('\n');
}

/** What synth prints when it succeeds: the allowed paths with their reasons, and allowances no longer needed. */
export function allowedPathsSummary(report: EscalationReport): string[] {
  const lines: string[] = [];
  const groups = grouped(report.allowed);
  if (groups.length > 0) lines.push('Allowed escalation paths (roles[].allowEscalation):');
  for (const group of groups) {
    const { roleIndex, open, reason } = group[0];
    lines.push(`  - roles.${roleIndex} (${open.role.roleName}) keeps "${open.path.id}" (${open.path.title}) in ${accountsOf(group)}: ${reason}`);
  }
  for (const u of report.unneeded) {
    lines.push(`Note: roles.${u.roleIndex}.allowEscalation names "${u.path}", which the synthesized policies of ${u.roleName} close anyway; the entry can go.`);
  }
  return lines;
}
