import { z } from 'zod';
import type { ApprovalDecision } from './approval-decision';
import { changeKindOf, iamActionOf, isAccessDenied, matchesPlan, parsePlannedAction } from './audit-classification';
import type { ElevationRequest } from './elevation-request';
import { NOT_PROVEN, type PolicyProofs, policyProofsSchema } from './policy-proofs';
import type { Revocation } from './revocation';
import type { TrailEvent } from './trail-event';

/**
 * The audit report: everything a grant's credentials did, from the target account's CloudTrail. Its JSON
 * form is a versioned public format (docs/audit.md): fields are only ever added within a version; any
 * rename, removal or change of meaning bumps `schemaVersion`. Readers validate with `auditReportSchema`.
 */
export const AUDIT_REPORT_SCHEMA = 'jit-audit-report';
export const AUDIT_REPORT_SCHEMA_VERSION = 1;

const iso = z.iso.datetime();
const count = z.number().int().nonnegative();

export const ACTION_FLAGS = [
  /** `readOnly: false` in CloudTrail. */
  'mutating',
  /** CloudTrail did not say whether the call was read-only; treated like a change until someone looks. */
  'read-only-unknown',
  /** Refused for lack of permission: attempted overreach. */
  'access-denied',
  /** Failed for another reason. */
  'error',
  'iam-change',
  'security-group-change',
  /** Created credentials that outlive the grant's time box (AssumeRole, CreateAccessKey, ...). */
  'credential-change',
  /** A change that matches none of the request's planned actions. */
  'unplanned',
  /** Made after the approved expiry (denied by the session policy's time fence). */
  'after-expiry',
  /** Made after the grant was revoked. */
  'after-revoke',
] as const;

export type ActionFlag = (typeof ACTION_FLAGS)[number];

export const auditActionSchema = z.object({
  eventId: z.string(),
  time: iso,
  region: z.string(),
  /** CloudTrail event source without `.amazonaws.com`, e.g. `ecs`. */
  service: z.string(),
  /** CloudTrail event name, e.g. `UpdateService`. */
  action: z.string(),
  /** The IAM action it stands for, e.g. `ecs:UpdateService`. */
  iamAction: z.string(),
  readOnly: z.boolean().nullable(),
  /** `Success`, or the CloudTrail error code. */
  result: z.string(),
  errorMessage: z.string().optional(),
  resources: z.array(z.string()),
  accessKeyId: z.string(),
  sourceIpAddress: z.string().optional(),
  userAgent: z.string().optional(),
  flags: z.array(z.enum(ACTION_FLAGS)),
  /**
   * Where the call was read: `management` (LookupEvents) or `data` (a trail's log files in S3). Added within
   * v1: absent in reports written before data events were read.
   */
  category: z.enum(['management', 'data']).optional(),
});

export type AuditAction = z.infer<typeof auditActionSchema>;

export const regionCollectionSchema = z.object({
  region: z.string(),
  /** Events LookupEvents returned for the region (before de-duplication across regions). */
  events: count,
  pages: count,
  /** False when the region could not be read to the last page. */
  complete: z.boolean(),
  error: z.string().optional(),
});

export type RegionCollection = z.infer<typeof regionCollectionSchema>;

/** How one audited region's data events were read from a trail's log files. */
export const dataEventCollectionSchema = z.object({
  region: z.string(),
  /** `s3://<bucket>/<prefix>/AWSLogs/<account>/CloudTrail/<region>/`. */
  source: z.string(),
  /** Log files read. */
  objects: count,
  /** The grant's data events found in them. */
  events: count,
  /** False when a listing or a log file could not be read. */
  complete: z.boolean(),
  error: z.string().optional(),
});

export type DataEventCollection = z.infer<typeof dataEventCollectionSchema>;

export const collectionSchema = z.object({
  complete: z.boolean(),
  /** Why the report is (in)complete, in one sentence. */
  reason: z.string(),
  /** The LookupEvents time window. */
  window: z.object({ start: iso, end: iso }),
  regions: z.array(regionCollectionSchema),
  /**
   * The data events read from the account's trail of data events, per audited region; absent when the account
   * configures none (`accounts[].dataEventTrail`). Added within v1.
   */
  dataEvents: z.array(dataEventCollectionSchema).optional(),
  polls: count,
  firstPollAt: iso.nullable(),
  lastPollAt: iso.nullable(),
  /** Polling gave up at this moment if the trail had not settled by then. */
  deadline: iso,
  delayMinutes: count,
  maxLagMinutes: count,
});

export type Collection = z.infer<typeof collectionSchema>;

export const reportCredentialSchema = z.object({
  accessKeyId: z.string(),
  grantId: z.string(),
  issuedAt: iso,
  expiresAt: iso,
  stsExpiresAt: iso,
  /** True for the credentials the grant handed over; false for those of a mint attempt that failed. */
  delivered: z.boolean(),
});

export const auditSummarySchema = z.object({
  total: count,
  mutating: count,
  readOnlyUnknown: count,
  errors: count,
  accessDenied: count,
  iamChanges: count,
  securityGroupChanges: count,
  credentialChanges: count,
  unplannedMutating: count,
  afterExpiry: count,
  afterRevoke: count,
  firstCallAt: iso.nullable(),
  lastCallAt: iso.nullable(),
});

export type AuditSummary = z.infer<typeof auditSummarySchema>;

export const auditReportSchema = z.object({
  schema: z.literal(AUDIT_REPORT_SCHEMA),
  schemaVersion: z.literal(AUDIT_REPORT_SCHEMA_VERSION),
  requestId: z.string(),
  generatedAt: iso,
  /** `ended` at expiry, `revoked` early, or `mint-failed` (credentials were issued, the grant was not delivered). */
  outcome: z.enum(['ended', 'revoked', 'mint-failed']),
  account: z.object({ id: z.string(), name: z.string() }),
  request: z.object({
    role: z.string(),
    minutes: z.number().int(),
    reason: z.string(),
    requestedBy: z.string().nullable(),
    requestedAt: iso,
    plannedActions: z.array(z.string()),
    sourceAccount: z.string().nullable(),
  }),
  approval: z
    .object({
      approvedBy: z.string(),
      decidedAt: iso,
      channel: z.string().nullable(),
      note: z.string().nullable(),
      role: z.string(),
      minutes: z.number().int(),
      /** Every approver of a quorum, in order (approval-quorum.ts); absent when one approval sufficed. */
      approvers: z.array(z.object({ approver: z.string(), principal: z.string().nullable(), channel: z.string(), decidedAt: iso })).optional(),
      /** What the approver changed from the request. */
      changes: z.array(z.object({ field: z.enum(['role', 'minutes']), requested: z.string(), approved: z.string() })),
      /**
       * A break-glass self-approval by the requester: reviewed after the fact. The report is written once,
       * so the acknowledgement (`jit ack`) lives on the request record (`jit status`).
       */
      breakGlass: z.object({ reason: z.string(), maxMinutes: z.number().int(), postReview: z.literal('required') }).optional(),
    })
    .nullable(),
  grant: z
    .object({
      grantId: z.string(),
      role: z.string(),
      roleArn: z.string(),
      sourceIdentity: z.string(),
      grantedAt: iso,
      expiresAt: iso,
      stsExpiresAt: iso,
      /** Approved expiry, or the revoke when that came first. */
      endedAt: iso,
      endedBy: z.enum(['expiry', 'revoke']),
      minutesGranted: z.number(),
      /** From the grant to the last recorded call, in minutes (one decimal); null without calls. */
      minutesUsed: z.number().nullable(),
      /** How many extensions the grant had (each a set of its own in `credentials`); absent when none. */
      extensions: z.number().int().positive().optional(),
    })
    .nullable(),
  revocation: z.object({ revokedAt: iso, revokedBy: z.string(), reason: z.string().nullable() }).nullable(),
  credentials: z.array(reportCredentialSchema),
  collection: collectionSchema,
  summary: auditSummarySchema,
  plan: z.object({
    given: z.boolean(),
    planned: z.array(z.object({ text: z.string(), checkable: z.boolean(), calls: count })),
    /** Actions that match no planned IAM action; empty when the plan holds no IAM actions to compare with. */
    unplanned: z.array(z.object({ iamAction: z.string(), calls: count, mutating: z.boolean() })),
  }),
  /**
   * What the report can and cannot see, in plain sentences (docs/audit.md, "What a complete report does and
   * does not cover"). Absent from reports written before it was added.
   */
  coverage: z
    .object({
      /** Event kinds the report read: `management` (LookupEvents). */
      read: z.array(z.string()),
      notCovered: z.array(z.string()),
    })
    .optional(),
  /** Every call, oldest first. */
  actions: z.array(auditActionSchema),
  /**
   * What IAM Access Analyzer proved about the delivered grant's session policy before AssumeRole
   * (`proven`, `failed`, `not proven`). Added within v1: absent in reports written before proofs existed.
   */
  proofs: policyProofsSchema.optional(),
});

/**
 * What the report read and what it cannot show, said in every report. LookupEvents returns management (and
 * Insights) events only; data events are recorded only by a trail or event data store configured for them,
 * which the report reads when the account names one (`collection.dataEvents`) and every folder of it was read.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
 */
export function coverageOf(regions: readonly string[], dataEvents?: readonly DataEventCollection[]): NonNullable<AuditReport['coverage']> {
  const dataRead = dataEvents !== undefined && dataEvents.length > 0 && dataEvents.every((d) => d.complete);
  let dataSentence: string;
  if (dataRead) {
    dataSentence =
      "Data events the account's trail does not record: the report read every data event the trail delivered for these credentials " +
      `(${[...new Set(dataEvents.map((d) => d.source.replace(/AWSLogs\/.*$/, 'AWSLogs/')))].join(', ')}), but only for the resources and event types the trail's data event selectors cover, which the broker does not check.`;
  } else if (dataEvents !== undefined && dataEvents.length > 0) {
    const failed = dataEvents.find((d) => !d.complete);
    dataSentence =
      'Data events (S3 object reads and writes such as GetObject and PutObject, Lambda Invoke, DynamoDB item reads and writes, SNS Publish, ...): ' +
      `the account's trail of data events could not be read completely (${failed?.region ?? ''}: ${failed?.error ?? 'incomplete'}); the data events listed may be missing some.`;
  } else {
    dataSentence =
      'Data events (S3 object reads and writes such as GetObject and PutObject, Lambda Invoke, DynamoDB item reads and writes, SNS Publish, ...): ' +
      'CloudTrail LookupEvents returns management events only, and this report read no trail of data events.';
  }
  return {
    read: dataRead ? ['management', 'data'] : ['management'],
    notCovered: [
      dataSentence,
      `Calls in regions other than ${regions.join(', ')}: the grant's session policy refuses them (region fence; global services only in us-east-1), ` +
        "so none can have succeeded; a refused attempt there is recorded only in that region's event history.",
      'Calls made with other credentials these credentials obtained: they have other access keys (look for credential-change).',
    ],
  };
}

export type AuditReport = z.infer<typeof auditReportSchema>;
export type ReportCredential = z.infer<typeof reportCredentialSchema>;

export interface AuditReportInput {
  readonly request: ElevationRequest;
  readonly decision?: ApprovalDecision;
  readonly credentials: readonly (ReportCredential & { readonly roleArn: string; readonly sourceIdentity: string; readonly proofs?: PolicyProofs })[];
  readonly revocation?: Revocation;
  /** Events of all regions and keys, duplicates allowed. */
  readonly events: readonly TrailEvent[];
  readonly collection: Collection;
  readonly generatedAt: string;
}

const MAX_TEXT = 512;

function bounded(text: string | undefined, max = MAX_TEXT): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Merges events from several regions, keys and sources: de-duplicated by event id (the first kept, so
 * management events read from LookupEvents win over the same record in a log file), oldest first.
 */
export function mergeTrailEvents(events: Iterable<TrailEvent>): TrailEvent[] {
  const byId = new Map<string, TrailEvent>();
  for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  return [...byId.values()].sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : a.eventId < b.eventId ? -1 : 1));
}

function minutesBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 6_000) / 10;
}

/** Builds the report of everything a request's credentials did, from CloudTrail. Pure and deterministic. */
export function buildAuditReport(input: AuditReportInput): AuditReport {
  const { request, decision, revocation } = input;
  const plan = request.plannedActions.map(parsePlannedAction);
  const checkablePlan = plan.some((p) => p.pattern);
  const expiryOf = new Map(input.credentials.map((c) => [c.accessKeyId, c.expiresAt]));
  const plannedCalls = new Map<string, number>(plan.map((p) => [p.text, 0]));
  const unplanned = new Map<string, { calls: number; mutating: boolean }>();

  const actions = mergeTrailEvents(input.events).map((e): AuditAction => {
    const iamAction = iamActionOf(e.eventSource, e.eventName);
    const flags: ActionFlag[] = [];
    if (e.readOnly === false) flags.push('mutating');
    if (e.readOnly === undefined) flags.push('read-only-unknown');
    if (isAccessDenied(e.errorCode)) flags.push('access-denied');
    else if (e.errorCode) flags.push('error');
    const change = changeKindOf(iamAction, e.readOnly);
    if (change) flags.push(`${change}-change`);
    for (const p of plan) if (p.pattern?.test(iamAction)) plannedCalls.set(p.text, (plannedCalls.get(p.text) ?? 0) + 1);
    if (checkablePlan && !matchesPlan(iamAction, plan)) {
      const mutating = e.readOnly !== true;
      if (mutating) flags.push('unplanned');
      const seen = unplanned.get(iamAction) ?? { calls: 0, mutating: false };
      unplanned.set(iamAction, { calls: seen.calls + 1, mutating: seen.mutating || mutating });
    }
    const expiresAt = expiryOf.get(e.accessKeyId);
    if (expiresAt && e.eventTime > expiresAt) flags.push('after-expiry');
    if (revocation && e.eventTime > revocation.revokedAt) flags.push('after-revoke');
    const errorMessage = bounded(e.errorMessage);
    const sourceIpAddress = bounded(e.sourceIpAddress, 64);
    const userAgent = bounded(e.userAgent, 256);
    return {
      eventId: e.eventId,
      time: e.eventTime,
      region: e.awsRegion,
      service: e.eventSource.replace(/\.amazonaws\.com(\.cn)?$/, ''),
      action: e.eventName,
      iamAction,
      readOnly: e.readOnly ?? null,
      result: e.errorCode ?? 'Success',
      ...(errorMessage ? { errorMessage } : {}),
      resources: e.resources.map((r) => r.name ?? r.type ?? '').filter((r) => r.length > 0),
      accessKeyId: e.accessKeyId,
      ...(sourceIpAddress ? { sourceIpAddress } : {}),
      ...(userAgent ? { userAgent } : {}),
      flags,
      category: e.category ?? 'management',
    };
  });

  const has = (flag: ActionFlag) => actions.filter((a) => a.flags.includes(flag)).length;
  const firstCallAt = actions[0]?.time ?? null;
  const lastCallAt = actions[actions.length - 1]?.time ?? null;
  // Every delivered set, oldest first: one for a grant, one more per extension. The grant spans them all,
  // from the first set's issue to the last set's fence; `credentials` lists each set's own window.
  const deliveredSets = input.credentials.filter((c) => c.delivered);
  const delivered = deliveredSets[0];
  const last = deliveredSets[deliveredSets.length - 1];
  const approvedRole = decision?.role ?? request.role;

  let grant: AuditReport['grant'] = null;
  if (delivered && last) {
    const revokedFirst = revocation !== undefined && revocation.revokedAt < last.expiresAt;
    grant = {
      grantId: last.grantId,
      role: approvedRole,
      roleArn: last.roleArn,
      sourceIdentity: delivered.sourceIdentity,
      grantedAt: delivered.issuedAt,
      expiresAt: last.expiresAt,
      stsExpiresAt: deliveredSets.map((c) => c.stsExpiresAt).sort().at(-1) ?? last.stsExpiresAt,
      endedAt: revokedFirst ? revocation.revokedAt : last.expiresAt,
      endedBy: revokedFirst ? 'revoke' : 'expiry',
      minutesGranted: minutesBetween(delivered.issuedAt, last.expiresAt),
      minutesUsed: lastCallAt ? Math.max(0, minutesBetween(delivered.issuedAt, lastCallAt)) : null,
      ...(deliveredSets.length > 1 ? { extensions: deliveredSets.length - 1 } : {}),
    };
  }

  const changes: NonNullable<AuditReport['approval']>['changes'] = [];
  if (decision && decision.role !== request.role) changes.push({ field: 'role', requested: request.role, approved: decision.role });
  if (decision && decision.minutes !== request.minutes) {
    changes.push({ field: 'minutes', requested: String(request.minutes), approved: String(decision.minutes) });
  }

  return {
    schema: AUDIT_REPORT_SCHEMA,
    schemaVersion: AUDIT_REPORT_SCHEMA_VERSION,
    requestId: request.requestId,
    generatedAt: input.generatedAt,
    outcome: revocation ? 'revoked' : delivered ? 'ended' : 'mint-failed',
    account: { id: request.accountId, name: request.accountName },
    request: {
      role: request.role,
      minutes: request.minutes,
      reason: request.reason,
      requestedBy: request.requester ?? null,
      requestedAt: request.requestedAt,
      plannedActions: [...request.plannedActions],
      sourceAccount: request.sourceAccount ?? null,
    },
    approval: decision
      ? {
          approvedBy: decision.approver,
          decidedAt: decision.decidedAt,
          channel: decision.channel ?? null,
          note: decision.note ?? null,
          role: decision.role,
          minutes: decision.minutes,
          ...(decision.approvers
            ? { approvers: decision.approvers.map((a) => ({ approver: a.approver, principal: a.principal ?? null, channel: a.channel, decidedAt: a.decidedAt })) }
            : {}),
          changes,
          ...(decision.breakGlass ? { breakGlass: { reason: decision.breakGlass.reason, maxMinutes: decision.breakGlass.maxMinutes, postReview: 'required' as const } } : {}),
        }
      : null,
    grant,
    revocation: revocation ? { revokedAt: revocation.revokedAt, revokedBy: revocation.revokedBy, reason: revocation.revokeReason ?? null } : null,
    credentials: input.credentials.map((c) => ({
      accessKeyId: c.accessKeyId,
      grantId: c.grantId,
      issuedAt: c.issuedAt,
      expiresAt: c.expiresAt,
      stsExpiresAt: c.stsExpiresAt,
      delivered: c.delivered,
    })),
    collection: input.collection,
    coverage: coverageOf(input.collection.regions.map((g) => g.region), input.collection.dataEvents),
    summary: {
      total: actions.length,
      mutating: has('mutating'),
      readOnlyUnknown: has('read-only-unknown'),
      errors: actions.filter((a) => a.result !== 'Success').length,
      accessDenied: has('access-denied'),
      iamChanges: has('iam-change'),
      securityGroupChanges: has('security-group-change'),
      credentialChanges: has('credential-change'),
      unplannedMutating: has('unplanned'),
      afterExpiry: has('after-expiry'),
      afterRevoke: has('after-revoke'),
      firstCallAt,
      lastCallAt,
    },
    plan: {
      given: plan.length > 0,
      planned: plan.map((p) => ({ text: p.text, checkable: p.pattern !== undefined, calls: plannedCalls.get(p.text) ?? 0 })),
      unplanned: [...unplanned.entries()]
        .map(([iamAction, u]) => ({ iamAction, calls: u.calls, mutating: u.mutating }))
        .sort((a, b) => Number(b.mutating) - Number(a.mutating) || b.calls - a.calls || a.iamAction.localeCompare(b.iamAction)),
    },
    actions,
    proofs: proofsOf(input.credentials),
  };
}

/** The proofs of the delivered credentials (else the latest issued); "not proven" when none were recorded. */
function proofsOf(credentials: AuditReportInput['credentials']): PolicyProofs {
  const chosen = credentials.find((c) => c.delivered && c.proofs) ?? [...credentials].reverse().find((c) => c.proofs);
  return chosen?.proofs ?? { verdict: NOT_PROVEN, reason: 'no proofs were recorded for these credentials', checks: [] };
}

/** The report's bytes as stored: the digest is taken over exactly this text. */
export function serializeAuditReport(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
