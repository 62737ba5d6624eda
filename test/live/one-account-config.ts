import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { JitConfig } from '../../infra/config/jit-config';

const REPO_ROOT = join(__dirname, '..', '..');

export interface OneAccountConfigOptions {
  /** The one account: hub and target alike. */
  readonly account: string;
  readonly region: string;
  /** The verified SES sender; also the approver (a verified identity gets mail in the SES sandbox). */
  readonly email: string;
  /** The target account's name in the config. @default 'live' */
  readonly accountName?: string;
  /** Minutes the audit waits for CloudTrail. */
  readonly auditDelayMinutes: number;
  /** The approver's IAM identities (`approval.iamPrincipals`). @default the sandbox's approver user in `account` */
  readonly approverPrincipals?: readonly string[];
  /** A second audited region (its tripwire forwarder is a stack of its own there). @default none */
  readonly secondRegion?: string;
}

/**
 * A config that deploys the hub and one target into the same account, from the example config's roles
 * (whatever they are called) with absolute policy paths, so the file can live anywhere, and its tripwires.
 */
export function oneAccountConfig(options: OneAccountConfigOptions): JitConfig {
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'jit.config.example.json'), 'utf8')) as JitConfig;
  return {
    ...example,
    hub: { account: options.account, region: options.region },
    // The one approver's IAM identity: the sandbox's approver user in that account (a live run maps its own).
    approval: {
      ...example.approval,
      approvers: [options.email],
      sender: options.email,
      iamPrincipals: { [options.email]: options.approverPrincipals ? [...options.approverPrincipals] : [`arn:aws:iam::${options.account}:user/jit-sandbox-approver`] },
    },
    roles: example.roles.map((role) => ({ ...role, policyFile: isAbsolute(role.policyFile) ? role.policyFile : join(REPO_ROOT, role.policyFile) })),
    accounts: [{ id: options.account, name: options.accountName ?? 'live' }],
    audit: { ...example.audit, regions: [options.region, ...(options.secondRegion ? [options.secondRegion] : [])], delayMinutes: options.auditDelayMinutes },
  };
}

/** Writes the config as `jit.config.json` in `folder` and returns its path. */
export function writeOneAccountConfig(folder: string, options: OneAccountConfigOptions): string {
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, `${JSON.stringify(oneAccountConfig(options), null, 2)}\n`);
  return file;
}
