import { z } from 'zod';
import type { GrantSummary } from '../core/grant';
import { grantIdOfVersion, isGrantOfRequest } from '../core/grant-window';
import { issuedCredentialsSchema } from '../core/issued-credentials';
import { parseTaskInput } from '../core/task-input';
import type { RequestStore } from '../ports/request-store';
import type { Vault } from '../ports/vault';

export interface ResumeMintDeps {
  readonly vault: Pick<Vault, 'currentVersion'>;
  readonly store: Pick<RequestStore, 'issuedCredentialsOf'>;
}

/** What a grant of the request is about, from the mint's own input: the ids and the role it was approved for. */
export interface ResumeMintTarget {
  readonly requestId: string;
  readonly accountId: string;
  /** The role's name in the config (the grant summary's `role`). */
  readonly role: string;
  readonly resetScheduleName: string;
  /** The requesting agent's secret for the account, where an earlier attempt would have written the grant. */
  readonly secretName: string;
}

/**
 * The grant an earlier attempt of this mint already delivered, if there is one: the account's secret holds
 * a grant of this request (its version id is the grant id, or its restamped version's), and the request records the credentials
 * minted for it. Step Functions runs Mint again after a Lambda service error or a lost response, even when
 * the first attempt had finished its work; minting again would hand the agent a second set of credentials
 * and overwrite the first, which may already be in use. Reusing it keeps one grant per request.
 *
 * Reads no credential: DescribeSecret names the current version, the record gives the rest. The reset
 * schedule was created before the secret was written, so it exists.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
export async function deliveredGrant(target: ResumeMintTarget, deps: ResumeMintDeps): Promise<GrantSummary | undefined> {
  const current = await deps.vault.currentVersion(target.secretName);
  if (!isGrantOfRequest(current.versionId, target.requestId)) return undefined;
  const recorded = parseTaskInput(
    'mint',
    z.array(issuedCredentialsSchema),
    await deps.store.issuedCredentialsOf(target.requestId),
    `issuedCredentials of ${target.requestId}`,
  );
  const issued = recorded.find((c) => c.grantId === grantIdOfVersion(current.versionId));
  // A grant of this request in the secret that was never recorded cannot come from this code: mint anew.
  if (!issued) return undefined;
  return {
    grantId: issued.grantId,
    requestId: target.requestId,
    accountId: target.accountId,
    role: target.role,
    roleArn: issued.roleArn,
    accessKeyId: issued.accessKeyId,
    sourceIdentity: issued.sourceIdentity,
    // The record holds the mint's own times (credentials issued, the session policy's fence), not the
    // secret write's: the resumed grant is reported from issue to fence, the window the reset is scheduled for.
    grantedAt: issued.issuedAt,
    expiresAt: issued.expiresAt,
    stsExpiresAt: issued.stsExpiresAt,
    resetScheduleName: target.resetScheduleName,
    secretName: target.secretName,
  };
}
