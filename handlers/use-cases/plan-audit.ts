import { z } from 'zod';
import type { AuditCredential, AuditState } from '../core/audit-polling';
import { planAudit } from '../core/audit-polling';
import type { BrokerSettings } from '../core/broker-settings';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { AuditSubjectUnknownError, MalformedTaskInputError } from '../core/errors';
import { grantSummarySchema } from '../core/grant';
import { issuedCredentialsSchema } from '../core/issued-credentials';
import { type Revocation, revocationOf, revocationSchema } from '../core/revocation';
import type { Clock } from '../ports/clock';
import type { RequestStore } from '../ports/request-store';

export const planAuditInputSchema = z.object({
  requestId: z.string().regex(REQUEST_ID_PATTERN),
  /** The grant the workflow delivered; absent after a failed mint. */
  grant: grantSummarySchema.optional(),
});

export interface PlanAuditDeps {
  readonly store: Pick<RequestStore, 'get'>;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

/**
 * Starts the audit of a request: which credentials to look up (every set mint issued, from the request
 * record, plus the delivered grant), whether and when it was revoked, the LookupEvents window, when to
 * poll first and when to give up. A request without issued credentials has nothing to audit (`done`).
 */
export async function planRequestAudit(input: unknown, deps: PlanAuditDeps): Promise<AuditState> {
  const parsed = planAuditInputSchema.safeParse(input);
  if (!parsed.success) throw new MalformedTaskInputError('plan-audit', parsed.error.message);
  const { requestId, grant } = parsed.data;

  const record = await deps.store.get(requestId);
  if (!record && !grant) throw new AuditSubjectUnknownError(requestId);

  const issued = z.array(issuedCredentialsSchema).safeParse(record?.issuedCredentials ?? []);
  if (!issued.success) throw new MalformedTaskInputError('plan-audit', `issuedCredentials of ${requestId}: ${issued.error.message}`);
  const credentials = new Map<string, AuditCredential>();
  for (const c of issued.data) credentials.set(c.accessKeyId, { ...c, delivered: c.accessKeyId === grant?.accessKeyId });
  if (grant && !credentials.has(grant.accessKeyId)) {
    credentials.set(grant.accessKeyId, {
      accessKeyId: grant.accessKeyId,
      grantId: grant.grantId,
      roleArn: grant.roleArn,
      sourceIdentity: grant.sourceIdentity,
      issuedAt: grant.grantedAt,
      expiresAt: grant.expiresAt,
      stsExpiresAt: grant.stsExpiresAt,
      delivered: true,
    });
  }

  let revocation: Revocation | undefined;
  const recorded = record && revocationOf(record);
  if (recorded) {
    const parsedRevocation = revocationSchema.safeParse(recorded);
    if (!parsedRevocation.success) throw new MalformedTaskInputError('plan-audit', `revocation of ${requestId}: ${parsedRevocation.error.message}`);
    revocation = parsedRevocation.data;
  }

  return planAudit(
    [...credentials.values()].sort((a, b) => a.issuedAt.localeCompare(b.issuedAt)),
    revocation,
    { delayMinutes: deps.settings.auditDelayMinutes, maxLagMinutes: deps.settings.auditMaxLagMinutes },
    deps.clock.now(),
  );
}
