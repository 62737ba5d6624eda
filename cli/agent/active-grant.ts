import { findRole, type TargetAccount } from '../../handlers/core/broker-settings';
import { grantAvailability } from '../../handlers/core/credential-process';
import type { ActiveSecret } from '../../handlers/core/secret-value';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { readGrant } from './grant-reader';

/**
 * Set while `jit creds` resolves its own AWS credentials. An AWS tool runs `credential_process` with
 * its environment, so when the profile jit itself would use is the one whose `credential_process` is
 * `jit creds`, the SDK would start `jit creds` again, and again: the child sees this and stops.
 */
export const CREDS_GUARD_ENV = 'JIT_CREDENTIAL_PROCESS_ACTIVE';

export interface ActiveGrantOptions {
  /** Only a grant of this configured role (e.g. `Ops`). */
  readonly role?: string;
  /** Reuse a cached grant (`jit creds`). */
  readonly useCache?: boolean;
}

/**
 * The account's grant that may be used now, from the per-user cache or the account's secret; else a
 * one-line CliError with exit code NO_ACTIVE_GRANT.
 */
export async function activeGrant(ctx: CliContext, account: TargetAccount, options: ActiveGrantOptions = {}): Promise<ActiveSecret> {
  const wantRole = options.role === undefined ? undefined : findRole(account, options.role);
  if (options.role !== undefined && !wantRole) {
    throw new CliError(`No role ${options.role} in account ${account.name} (roles: ${account.roles.map((r) => r.name).join(', ')}).`, EXIT.INVALID_REQUEST);
  }
  const hub = ctx.config().config.hub.account;
  const cache = options.useCache ? ctx.credentialsCache() : undefined;
  const now = ctx.clock.now();
  const cached = cache?.read(hub, ctx.grantCacheKey(account.id), now);
  if (cached && (!wantRole || cached.RoleName === wantRole.iamRoleName)) return cached;

  if (process.env[CREDS_GUARD_ENV]) {
    throw new CliError(
      `jit creds is calling itself: the AWS profile jit uses for its own credentials runs jit creds. Give jit the agent's own profile with --profile or JIT_PROFILE.`,
      EXIT.CONFIG,
    );
  }
  process.env[CREDS_GUARD_ENV] = '1';
  let state;
  try {
    state = await readGrant(ctx.clients().secretsManager(), account.id, ctx.grantSecretName(account.id));
  } finally {
    delete process.env[CREDS_GUARD_ENV];
  }
  const availability = grantAvailability(state, now, wantRole?.iamRoleName);
  switch (availability.kind) {
    case 'active':
      cache?.write(hub, ctx.grantCacheKey(account.id), availability.secret, now);
      return availability.secret;
    case 'none':
      cache?.drop(hub, ctx.grantCacheKey(account.id));
      throw new CliError(`No active grant for ${account.name} (${account.id}): request one with jit request --account ${account.name} ...`, EXIT.NO_ACTIVE_GRANT);
    case 'expired':
      cache?.drop(hub, ctx.grantCacheKey(account.id));
      throw new CliError(`The grant for ${account.name} (${availability.requestId}) expired at ${availability.expiredAt}: request a new one with jit request.`, EXIT.NO_ACTIVE_GRANT);
    case 'other-role':
      throw new CliError(`The active grant for ${account.name} (${availability.requestId}) is for ${availability.roleName}, not ${options.role}.`, EXIT.NO_ACTIVE_GRANT);
  }
}
