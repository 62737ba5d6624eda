import { z } from 'zod';
import type { AuditCredential, AuditState } from '../core/audit-polling';
import { planAudit } from '../core/audit-polling';
import type { BrokerSettings } from '../core/broker-settings';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { AuditSubjectUnknownError } from '../core/errors';
import { grantSummarySchema } from '../core/grant';
import { type IssuedCredentialsRecord, issuedCredentialsSchema } from '../core/issued-credentials';
import { type Revocation, revocationOf, revocationSchema } from '../core/revocation';
import { parseTaskInput } from '../core/task-input';
import type { Clock } from '../ports/clock';
import type { RequestStore } from '../ports/request-store';

export const planAuditInputSchema = z.object({
  requestId: z.string().regex(REQUEST_ID_PATTERN),
  /** The grant the workflow delivered; absent after a failed mint. */
  grant: grantSummarySchema.optional(),
});

export type PlanAuditInput = z.infer<typeof planAuditInputSchema>;

export interface PlanAuditDeps {
  readonly store: Pick<RequestStore, 'get'>;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

/**
 * The grant ids of every set that reached the agent: the last delivered one and, back through `extends`,
 * each set an extension replaced (an extension is minted only while the secret holds the set it extends).
 * The sets of failed attempts are on no such chain.
 */
export function deliveredGrantIds(issued: readonly IssuedCredentialsRecord[], lastGrantId: string | undefined): Set<string> {
  const byId = new Map(issued.map((c) => [c.grantId, c]));
  const delivered = new Set<string>();
  for (let id = lastGrantId; id !== undefined && !delivered.has(id); id = byId.get(id)?.extends) delivered.add(id);
  return delivered;
}

/**
 * Starts the audit of a request: which credentials to look up (every set mint issued, from the request
 * record, plus the delivered grant), whether and when it was revoked, the LookupEvents window, when to
 * poll first and when to give up. A request without issued credentials has nothing to audit (`done`).
 */
export async function planRequestAudit(input: PlanAuditInput, deps: PlanAuditDeps): Promise<AuditState> {
  const { requestId, grant } = input;

  const record = await deps.store.get(requestId);
  if (!record && !grant) throw new AuditSubjectUnknownError(requestId);

  // What the store holds is read back through the same schemas, so a damaged record cannot mislead the audit.
  const issued = parseTaskInput('plan-audit', z.array(issuedCredentialsSchema), record?.issuedCredentials ?? [], `issuedCredentials of ${requestId}`);
  const credentials = new Map<string, AuditCredential>();
  const delivered = deliveredGrantIds(issued, grant?.grantId);
  for (const { extends: _extends, extensionId: _extensionId, ...c } of issued) credentials.set(c.accessKeyId, { ...c, delivered: delivered.has(c.grantId) });
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

  const recorded = record && revocationOf(record);
  const revocation: Revocation | undefined = recorded && parseTaskInput('plan-audit', revocationSchema, recorded, `revocation of ${requestId}`);

  return planAudit(
    [...credentials.values()].sort((a, b) => a.issuedAt.localeCompare(b.issuedAt)),
    revocation,
    { delayMinutes: deps.settings.auditDelayMinutes, maxLagMinutes: deps.settings.auditMaxLagMinutes },
    deps.clock.now(),
  );
}
