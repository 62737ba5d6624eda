import type { S3Client } from '@aws-sdk/client-s3';
import { S3ReportStore } from '../../handlers/adapters/aws/s3-report-store';
import type { ApprovalDecision } from '../../handlers/core/approval-decision';
import { renderAuditMarkdown } from '../../handlers/core/audit-markdown';
import type { AuditCredential } from '../../handlers/core/audit-polling';
import { buildAuditReport, type Collection, serializeAuditReport } from '../../handlers/core/audit-report';
import type { ReportLocation } from '../../handlers/core/report-location';
import { sha256Hex } from '../../handlers/core/report-digest';
import type { TrailEvent } from '../../handlers/ports/trail';
import { AUDIT_REQUEST, elevationRequest } from './fixtures';

/** Shared, readable fixtures for audit tests: one request, its approval, its credentials, its calls. */
export const GRANTED_AT = '2026-11-28T10:00:00Z';
export const EXPIRES_AT = '2026-11-28T10:30:00Z';
export const KEY = 'ASIAEXAMPLEKEY000001';

export function decision(overrides: Partial<ApprovalDecision> = {}): ApprovalDecision {
  return { role: 'Ops', minutes: 30, approver: 'security-lead@example.com', decidedAt: '2026-11-28T09:58:00Z', channel: 'web', ...overrides };
}

export function credential(overrides: Partial<AuditCredential> = {}): AuditCredential {
  return {
    accessKeyId: KEY,
    grantId: 'req-audit-0001-0123456789abcdef01234567',
    roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
    sourceIdentity: 'jit-req-audit-0001',
    issuedAt: GRANTED_AT,
    expiresAt: EXPIRES_AT,
    stsExpiresAt: EXPIRES_AT,
    delivered: true,
    ...overrides,
  };
}

let counter = 0;

/** A call made with the grant's key; `minute` counts from the grant. */
export function call(minute: number, name: string, source: string, overrides: Partial<TrailEvent> = {}): TrailEvent {
  counter += 1;
  return {
    eventId: `evt-${String(counter).padStart(6, '0')}`,
    eventTime: new Date(Date.parse(GRANTED_AT) + minute * 60_000).toISOString(),
    eventSource: source,
    eventName: name,
    awsRegion: 'eu-west-1',
    accessKeyId: KEY,
    readOnly: name.startsWith('Describe') || name.startsWith('Get') || name.startsWith('List'),
    resources: [],
    ...overrides,
  };
}

export function collection(overrides: Partial<Collection> = {}): Collection {
  return {
    complete: true,
    reason: 'CloudTrail settled.',
    window: { start: '2026-11-28T09:55:00Z', end: '2026-11-28T11:05:00Z' },
    regions: [
      { region: 'eu-west-1', events: 0, pages: 1, complete: true },
      { region: 'us-east-1', events: 0, pages: 1, complete: true },
    ],
    polls: 3,
    firstPollAt: '2026-11-28T10:40:00Z',
    lastPollAt: '2026-11-28T10:42:00Z',
    deadline: '2026-11-28T11:00:00Z',
    delayMinutes: 10,
    maxLagMinutes: 30,
    ...overrides,
  };
}

/**
 * Writes a one-call report the way the audit does (JSON with its SHA-256, then the Markdown naming it) and
 * returns where it went, as the request record holds it.
 */
export async function writeSampleReport(s3: S3Client, bucket: string, keyBase: string): Promise<{ json: string; location: ReportLocation }> {
  const report = buildAuditReport({
    request: elevationRequest(AUDIT_REQUEST),
    decision: decision(),
    credentials: [credential()],
    events: [call(2, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false })],
    collection: collection(),
    generatedAt: '2026-11-28T10:42:00Z',
  });
  const json = serializeAuditReport(report);
  const sha256 = sha256Hex(json);
  const writer = new S3ReportStore(s3, bucket);
  const jsonObject = await writer.put(`${keyBase}.json`, json, 'application/json', sha256);
  const markdown = renderAuditMarkdown(report, { jsonSha256: sha256, jsonUri: jsonObject.uri });
  const markdownObject = await writer.put(`${keyBase}.md`, markdown, 'text/markdown', sha256Hex(markdown));
  const location: ReportLocation = {
    jsonUri: jsonObject.uri,
    markdownUri: markdownObject.uri,
    jsonVersionId: jsonObject.versionId,
    markdownVersionId: markdownObject.versionId,
    sha256,
    markdownSha256: sha256Hex(markdown),
    complete: true,
    completeness: 'settled',
    eventCount: 1,
    summary: { mutating: 1, accessDenied: 0, iamChanges: 0, securityGroupChanges: 0, credentialChanges: 0, unplannedMutating: 0, afterExpiry: 0, afterRevoke: 0 },
  };
  return { json, location };
}
