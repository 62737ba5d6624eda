import { z } from 'zod';
import { secretNameOf } from '../core/agents';
import { approvalDecisionSchema, checkDecision } from '../core/approval-decision';
import { elevationRequestSchema } from '../core/elevation-request';
import { ExtensionRefusedError, PolicyProofFailedError } from '../core/errors';
import { type GrantSummary, grantSummarySchema } from '../core/grant';
import { extensionResetScheduleName, extensionWindow } from '../core/grant-extension';
import { GRANT_RANDOM_BYTES, MINT_HANDOVER_SECONDS, grantIdOfVersion, isGrantOfRequest, isoSeconds, newGrantId, roleSessionName, sourceIdentityFor } from '../core/grant-window';
import { type IssuedCredentialsRecord, issuedCredentialsSchema } from '../core/issued-credentials';
import { roleArn as iamRoleArn } from '../core/resource-names';
import type { ActiveSecret } from '../core/secret-value';
import { requestSessionPolicy } from '../core/request-session-policy';
import { rolePermissionsOf } from '../core/role-permissions';
import { DEFAULT_PROOF_FAIL_MODE, describeProofs, proofsRefuseMint } from '../core/policy-proofs';
import { parseTaskInput } from '../core/task-input';
import { takeGrantLease } from './grant-lease';
import type { MintGrantDeps } from './mint-grant';
import { proveSessionPolicy } from './prove-session-policy';
import { RESET_SCHEDULE_SOURCE } from './reset-grant';

export const mintExtensionInputSchema = z.object({
  mode: z.literal('extend'),
  request: elevationRequestSchema,
  decision: approvalDecisionSchema,
});

/** After the live execution's reset found a newer set: which set of the request the secret holds now. */
export const followExtensionInputSchema = z.object({
  mode: z.literal('follow'),
  request: elevationRequestSchema,
  grant: grantSummarySchema,
});

export type MintExtensionInput = z.infer<typeof mintExtensionInputSchema>;
export type FollowExtensionInput = z.infer<typeof followExtensionInputSchema>;

async function recordedSets(requestId: string, deps: Pick<MintGrantDeps, 'store'>): Promise<IssuedCredentialsRecord[]> {
  return parseTaskInput('mint', z.array(issuedCredentialsSchema), await deps.store.issuedCredentialsOf(requestId), `issuedCredentials of ${requestId}`);
}

/** The summary of an extension's set from its record (no secret material). Its expiry is the fence less the handover. */
function summaryOf(issued: IssuedCredentialsRecord, target: { requestId: string; accountId: string; role: string; secretName: string; firstGrantedAt?: string }): GrantSummary {
  return {
    grantId: issued.grantId,
    requestId: target.requestId,
    accountId: target.accountId,
    role: target.role,
    roleArn: issued.roleArn,
    accessKeyId: issued.accessKeyId,
    sourceIdentity: issued.sourceIdentity,
    grantedAt: issued.issuedAt,
    expiresAt: isoSeconds(new Date(Date.parse(issued.expiresAt) - MINT_HANDOVER_SECONDS * 1000)),
    stsExpiresAt: issued.stsExpiresAt,
    resetScheduleName: extensionResetScheduleName(issued.extensionId ?? target.requestId),
    secretName: target.secretName,
    ...(target.firstGrantedAt ? { firstGrantedAt: target.firstGrantedAt } : {}),
    ...(issued.extends ? { extends: issued.extends } : {}),
  };
}

/**
 * Mints the credential set of an approved extension (docs/architecture.md#extending-a-live-grant) under the
 * live request's identity — its SourceIdentity and session name, so `jit end`, `jit revoke`'s deny and the
 * audit cover it — with a time fence of its own at the new expiry plus the handover, and writes it into
 * the same secret. The old set is not revoked: it works until its own fence, so a call in flight finishes.
 *
 * Refused (`ExtensionRefusedError`, nothing minted, the live grant untouched) when the secret no longer
 * holds the set the extension was asked for (the grant ended, was revoked or extended since), or a bound
 * no longer holds with the mint's clock. A retried mint whose earlier attempt delivered the set returns it.
 *
 * No gap for a process on `credential_process`: SDKs and the CLI run it again before the `Expiration` it
 * printed, which for the old set is at most its fence, so a refresh gets the old set (still working) or this one.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (DurationSeconds, role chaining)
 */
export async function mintExtension(input: MintExtensionInput, deps: MintGrantDeps): Promise<GrantSummary> {
  const { request, decision } = input;
  const extension = request.extension;
  if (!extension) throw new ExtensionRefusedError(`request ${request.requestId} is not an extension`);
  const { role } = checkDecision(request, decision, deps.settings);
  if (decision.role !== request.role) throw new ExtensionRefusedError(`an extension keeps the role of its grant (${request.role}); approved as ${decision.role}`);
  const live = { requestId: extension.requestId, accountId: request.accountId, agentId: request.agentId };
  const secretName = secretNameOf(request);
  const scheduleName = extensionResetScheduleName(request.requestId);
  const target = { requestId: extension.requestId, accountId: request.accountId, role: role.name, secretName, firstGrantedAt: extension.firstGrantedAt };

  const current = await deps.vault.currentVersion(secretName);
  if (grantIdOfVersion(current.versionId) !== extension.grantId) {
    // A retry whose earlier attempt delivered this extension's set finds it current: one set per extension.
    const ours = isGrantOfRequest(current.versionId, extension.requestId)
      ? (await recordedSets(extension.requestId, deps)).find((c) => c.grantId === grantIdOfVersion(current.versionId) && c.extensionId === request.requestId)
      : undefined;
    if (ours) return summaryOf(ours, target);
    throw new ExtensionRefusedError(
      `the grant of ${extension.requestId} is no longer the one this extension was asked for (it ended, was revoked or was extended since); nothing was minted`,
    );
  }

  const assumedAt = deps.clock.now();
  let window;
  try {
    window = extensionWindow(extension, decision.minutes, assumedAt);
  } catch (error) {
    throw new ExtensionRefusedError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const grantId = newGrantId(extension.requestId, Buffer.from(deps.random.bytes(GRANT_RANDOM_BYTES)).toString('hex'));
  const roleArn = iamRoleArn(deps.partition, request.accountId, role.iamRoleName);
  const sourceIdentity = sourceIdentityFor(extension.requestId);
  // The live grant's plan (Register copied it onto the extension) and the region fence, as the first set
  // had them: an extension adds time, never permissions. A plan too large is refused before the lease.
  const sessionPolicy = requestSessionPolicy(request, deps.settings, { expiresAt: window.fence, now: assumedAt }, role.name);
  // Proven as the first set's was, before the lease moves (docs/security-model.md, "Proofs before minting").
  const rolePolicy = rolePermissionsOf(deps.settings, role.name)?.json;
  const proofs = await proveSessionPolicy({ sessionPolicy: sessionPolicy.json, ...(rolePolicy ? { rolePolicy } : {}) }, deps.prover);
  if (proofsRefuseMint(proofs, deps.settings.proofsOnFail ?? DEFAULT_PROOF_FAIL_MODE)) {
    throw new PolicyProofFailedError(`IAM Access Analyzer refused the session policy of extension ${request.requestId}: ${describeProofs(proofs).join('; ')}`);
  }

  // The lease moves to the new fence before anything is minted; it stays the live request's.
  await takeGrantLease(live, window.fence, deps);
  const credentials = await deps.issuer.assumeElevatedRole({
    roleArn,
    sessionName: roleSessionName(extension.requestId),
    sourceIdentity,
    durationSeconds: window.durationSeconds,
    sessionPolicy: sessionPolicy.json,
  });
  const issued: IssuedCredentialsRecord = {
    accessKeyId: credentials.accessKeyId,
    grantId,
    roleArn,
    sourceIdentity,
    issuedAt: isoSeconds(assumedAt),
    expiresAt: isoSeconds(window.fence),
    stsExpiresAt: isoSeconds(credentials.expiration),
    extends: extension.grantId,
    extensionId: request.requestId,
    proofs,
  };
  // On the live request: its audit covers every set, and a revoke of it denies this one too.
  await deps.store.recordIssuedCredentials(extension.requestId, issued, deps.clock.now());
  await deps.scheduler.scheduleReset(scheduleName, window.fence, {
    source: RESET_SCHEDULE_SOURCE,
    requestId: extension.requestId,
    accountId: request.accountId,
    grantId,
    secretName,
    ...(request.agentSource ? { agentSource: request.agentSource } : {}),
  });
  // Ended or revoked while this was minted: the new set never reaches the secret (its own fence ends it).
  if (grantIdOfVersion((await deps.vault.currentVersion(secretName)).versionId) !== extension.grantId) {
    throw new ExtensionRefusedError(`the grant of ${extension.requestId} ended while the extension was minted; the new credentials were not handed over`);
  }

  const grantedAt = new Date(Math.ceil(deps.clock.now().getTime() / 1000) * 1000);
  const expiresAt = new Date(Math.min(window.expiresAt.getTime(), window.fence.getTime(), Math.floor(credentials.expiration.getTime() / 1000) * 1000));
  const secret: ActiveSecret = {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoSeconds(expiresAt),
    GrantedFor: request.reason,
    GrantedAt: isoSeconds(grantedAt),
    RoleName: role.iamRoleName,
    // This set's own minutes, from its handover to its expiry, rounded up to a whole minute.
    GrantedMinutes: Math.max(1, Math.ceil((expiresAt.getTime() - grantedAt.getTime()) / 60_000)),
    RequestId: extension.requestId,
    GrantId: grantId,
  };
  await deps.vault.storeGrant(secretName, secret);
  await takeGrantLease(live, expiresAt, deps);

  return {
    grantId,
    requestId: extension.requestId,
    accountId: request.accountId,
    role: role.name,
    roleArn,
    accessKeyId: credentials.accessKeyId,
    sourceIdentity,
    grantedAt: isoSeconds(grantedAt),
    expiresAt: isoSeconds(expiresAt),
    stsExpiresAt: isoSeconds(credentials.expiration),
    resetScheduleName: scheduleName,
    secretName,
    firstGrantedAt: extension.firstGrantedAt,
    extends: extension.grantId,
  };
}

/**
 * The live execution's reset found the secret holding something newer than its grant: if that is a set
 * an extension of this request delivered, the execution follows it (waits until its expiry, then resets
 * it); otherwise the grant is over (`extended: false`). Reads no credential: DescribeSecret and the record.
 */
export async function followExtension(input: FollowExtensionInput, deps: Pick<MintGrantDeps, 'vault' | 'store'>): Promise<{ extended: boolean; grant: GrantSummary }> {
  const { request, grant } = input;
  const secretName = grant.secretName ?? secretNameOf(request);
  const current = await deps.vault.currentVersion(secretName);
  const held = grantIdOfVersion(current.versionId);
  if (held === grant.grantId || !isGrantOfRequest(current.versionId, request.requestId)) return { extended: false, grant };
  const next = (await recordedSets(request.requestId, deps)).find((c) => c.grantId === held && c.extends !== undefined);
  if (!next) return { extended: false, grant };
  return {
    extended: true,
    grant: summaryOf(next, { requestId: request.requestId, accountId: grant.accountId, role: grant.role, secretName, firstGrantedAt: grant.firstGrantedAt ?? grant.grantedAt }),
  };
}
