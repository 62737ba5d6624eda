import { z } from 'zod';
import { approvalDecisionSchema, checkDecision } from '../core/approval-decision';
import type { BrokerSettings } from '../core/broker-settings';
import { elevationRequestSchema } from '../core/elevation-request';
import type { GrantSummary } from '../core/grant';
import {
  GRANT_RANDOM_BYTES,
  fenceExpiry,
  grantWindow,
  handoverOverran,
  isoSeconds,
  newGrantId,
  restampedVersionId,
  roleSessionName,
  sourceIdentityFor,
  stsDurationSeconds,
} from '../core/grant-window';
import type { ActiveSecret } from '../core/secret-value';
import { RESET_SCHEDULE_PREFIX, roleArn as iamRoleArn } from '../core/resource-names';
import { requestSessionPolicy } from '../core/request-session-policy';
import { rolePermissionsOf } from '../core/role-permissions';
import type { Clock, RandomSource } from '../ports/clock';
import type { CredentialIssuer } from '../ports/credential-issuer';
import type { RequestStore } from '../ports/request-store';
import type { ResetScheduler } from '../ports/reset-scheduler';
import type { Vault } from '../ports/vault';
import type { GrantLeases } from '../ports/grant-leases';
import { takeGrantLease } from './grant-lease';
import { secretNameOf } from '../core/agents';
import { deliveredGrant } from './resume-mint';
import { DEFAULT_PROOF_FAIL_MODE, describeProofs, proofsRefuseMint } from '../core/policy-proofs';
import { PolicyProofFailedError } from '../core/errors';
import type { PolicyProver } from '../ports/policy-prover';
import { proveSessionPolicy } from './prove-session-policy';

export const mintGrantInputSchema = z.object({
  request: elevationRequestSchema,
  decision: approvalDecisionSchema,
});

export type MintGrantInput = z.infer<typeof mintGrantInputSchema>;

export interface MintGrantDeps {
  readonly issuer: CredentialIssuer;
  readonly vault: Vault;
  readonly scheduler: ResetScheduler;
  /** Where every issued credential set is recorded for the audit, and read back by a retried mint. */
  readonly store: Pick<RequestStore, 'recordIssuedCredentials' | 'issuedCredentialsOf'>;
  /** One live grant per agent and account: taken before anything is minted. */
  readonly leases: GrantLeases;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** AWS partition of the target accounts, e.g. `aws`. */
  readonly partition: string;
  /** IAM Access Analyzer, which proves the session policy before AssumeRole; without it nothing is proven. */
  readonly prover?: PolicyProver;
}

/** Name of the one-time reset schedule of a request (at most 64 characters; request ids are at most 36). */
export function resetScheduleName(requestId: string): string {
  return `${RESET_SCHEDULE_PREFIX}${requestId}`;
}

/**
 * The grant's clock must not start before its credentials can be read, and they can be read once the write
 * is answered at the latest. A write answered after the planned `GrantedAt` is written again, as the
 * restamped version of the same grant (`restampedVersionId`), counting from the answer — only if the secret
 * still holds this grant, so a reset or an early end in between is never undone. Returns the window the
 * secret holds.
 */
async function restampIfLate(
  secretName: string,
  secret: ActiveSecret,
  planned: { grantedAt: Date; expiresAt: Date },
  minutes: number,
  limits: { fence: Date; stsExpiration: Date },
  deps: Pick<MintGrantDeps, 'vault' | 'clock'>,
): Promise<{ grantedAt: Date; expiresAt: Date }> {
  const writeAnsweredAt = deps.clock.now();
  if (!handoverOverran(planned.grantedAt, writeAnsweredAt)) return planned;
  const restamped = grantWindow({ writeAnsweredAt }, minutes, limits);
  const replaced = await deps.vault.replaceGrantIfCurrent(
    secretName,
    secret.GrantId,
    { ...secret, GrantedAt: isoSeconds(restamped.grantedAt), Expiration: isoSeconds(restamped.expiresAt) },
    restampedVersionId(secret.GrantId),
  );
  // Replaced by something newer (a reset, an extension): what the secret held of this grant was the planned window.
  return replaced === 'replaced' ? restamped : planned;
}

/**
 * Mints the approved grant: AssumeRole into the elevated role with the request's SourceIdentity and a
 * time-fenced session policy, schedule the safety-net reset, then hand the credentials to the agent
 * through the account's secret. The reset is scheduled before the secret is written, so there is never
 * a moment when live credentials sit in the secret without a reset on the way. Before either, the new
 * access key is recorded on the request: if a later step fails and the workflow retries, every key that
 * ever existed — and may have reached the secret — is still audited.
 *
 * Returns a summary without any secret material; it travels through the execution history.
 */
export async function mintGrant(input: MintGrantInput, deps: MintGrantDeps): Promise<GrantSummary> {
  const { request, decision } = input;
  const { role } = checkDecision(request, decision, deps.settings);
  // A retried mint whose earlier attempt already delivered the grant returns that grant (resume-mint.ts).
  const scheduleName = resetScheduleName(request.requestId);
  const secretName = secretNameOf(request);
  const delivered = await deliveredGrant(
    { requestId: request.requestId, accountId: request.accountId, role: role.name, resetScheduleName: scheduleName, secretName },
    deps,
  );
  if (delivered) return delivered;

  // The fence is fixed now; the grant's own clock starts only when its secret is written (below).
  const assumedAt = deps.clock.now();
  const fence = fenceExpiry(assumedAt, decision.minutes);
  const grantId = newGrantId(request.requestId, Buffer.from(deps.random.bytes(GRANT_RANDOM_BYTES)).toString('hex'));
  const roleArn = iamRoleArn(deps.partition, request.accountId, role.iamRoleName);
  const sourceIdentity = sourceIdentityFor(request.requestId);
  // The plan, the time fence and the region fence (handlers/core/session-policy.ts). A plan too large for
  // STS is refused here, before the lease or AssumeRole, as Register refused it (PlanTooLargeError).
  // Compression is bounded by the granted role (a decision may have chosen a narrower one than requested).
  const sessionPolicy = requestSessionPolicy(request, deps.settings, { expiresAt: fence, now: assumedAt }, role.name);

  // Before the lease and AssumeRole: prove the session policy (docs/security-model.md, "Proofs before
  // minting"); a refusal leaves nothing behind.
  // CheckNoNewAccess against the granted role's merged permissions (its policy file and the ceiling's deny list).
  const rolePolicy = rolePermissionsOf(deps.settings, role.name)?.json;
  const proofs = await proveSessionPolicy({ sessionPolicy: sessionPolicy.json, ...(rolePolicy ? { rolePolicy } : {}) }, deps.prover);
  if (proofsRefuseMint(proofs, deps.settings.proofsOnFail ?? DEFAULT_PROOF_FAIL_MODE)) {
    throw new PolicyProofFailedError(`IAM Access Analyzer refused the session policy of ${request.requestId}: ${describeProofs(proofs).join('; ')}`);
  }

  // Before AssumeRole: a second grant for the same agent and account is refused, never minted. The lease
  // lasts until the fence, the last moment these credentials can work, whenever the secret is written.
  await takeGrantLease(request, fence, deps);

  const credentials = await deps.issuer.assumeElevatedRole({
    roleArn,
    sessionName: roleSessionName(request.requestId),
    sourceIdentity,
    durationSeconds: stsDurationSeconds(decision.minutes),
    sessionPolicy: sessionPolicy.json,
  });

  // If this write fails, the credentials never leave this function: nobody can use them.
  await deps.store.recordIssuedCredentials(
    request.requestId,
    {
      accessKeyId: credentials.accessKeyId,
      grantId,
      roleArn,
      sourceIdentity,
      issuedAt: isoSeconds(assumedAt),
      // The last moment these credentials can work: the audit reads the trail up to (and after) it.
      expiresAt: isoSeconds(fence),
      stsExpiresAt: isoSeconds(credentials.expiration),
      proofs,
    },
    deps.clock.now(),
  );

  // At the fence: no earlier than the grant ends, however long the handover below takes.
  await deps.scheduler.scheduleReset(scheduleName, fence, {
    source: 'jit.reset-schedule',
    requestId: request.requestId,
    accountId: request.accountId,
    grantId,
    secretName,
    ...(request.agentSource ? { agentSource: request.agentSource } : {}),
  });

  const limits = { fence, stsExpiration: credentials.expiration };
  const planned = grantWindow({ writeStartedAt: deps.clock.now() }, decision.minutes, limits);
  const secret: ActiveSecret = {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoSeconds(planned.expiresAt),
    GrantedFor: request.reason,
    GrantedAt: isoSeconds(planned.grantedAt),
    RoleName: role.iamRoleName,
    GrantedMinutes: decision.minutes,
    RequestId: request.requestId,
    GrantId: grantId,
  };
  await deps.vault.storeGrant(secretName, secret);
  const { grantedAt, expiresAt } = await restampIfLate(secretName, secret, planned, decision.minutes, limits, deps);
  // Now that the grant's expiry is known, the lease ends with it: the workflow resets the secret then, and
  // the agent may ask again from that moment. Held by this request since before AssumeRole, so it is ours.
  await takeGrantLease(request, expiresAt, deps);

  return {
    grantId,
    requestId: request.requestId,
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
    proofs: { verdict: proofs.verdict, checks: proofs.checks.map((c) => ({ check: c.check, status: c.status })) },
  };
}
