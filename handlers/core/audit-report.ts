import { createHash } from 'node:crypto';
import type { ApprovalDecision } from './approval-decision';
import type { ElevationRequest } from './elevation-request';
import type { GrantSummary } from './grant';
import type { TrailEvent } from '../ports/trail';

export const AUDIT_REPORT_SCHEMA_VERSION = 1;

export interface AuditReportInput {
  readonly request: ElevationRequest;
  readonly grant: GrantSummary;
  readonly decision?: ApprovalDecision;
  readonly events: readonly TrailEvent[];
  readonly regions: readonly string[];
  readonly window: { readonly start: string; readonly end: string };
  readonly complete: boolean;
  readonly completeness: string;
  readonly generatedAt: string;
}

export interface AuditAction {
  readonly time: string;
  readonly service: string;
  readonly action: string;
  readonly region: string;
  readonly readOnly: boolean | null;
  readonly result: string;
  readonly resources: string[];
  readonly eventId: string;
}

export interface AuditReport {
  readonly schemaVersion: number;
  readonly requestId: string;
  readonly account: { readonly id: string; readonly name: string };
  readonly role: string;
  readonly reason: string;
  readonly requestedBy: string | null;
  readonly approvedBy: string | null;
  readonly window: { readonly grantedAt: string; readonly expiresAt: string };
  readonly accessKeyId: string;
  readonly regionsSearched: string[];
  readonly complete: boolean;
  readonly completeness: string;
  readonly summary: { readonly total: number; readonly mutating: number; readonly errors: number };
  readonly actions: AuditAction[];
  readonly generatedAt: string;
}

function serviceOf(eventSource: string): string {
  return eventSource.replace(/\.amazonaws\.com$/, '');
}

/** Merges events from several regions: de-duplicated by event id, oldest first, mutating calls kept whole. */
export function mergeTrailEvents(events: readonly TrailEvent[]): TrailEvent[] {
  const byId = new Map<string, TrailEvent>();
  for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  return [...byId.values()].sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId));
}

/** Builds the report of everything one grant's credentials did, from CloudTrail. */
export function buildAuditReport(input: AuditReportInput): AuditReport {
  const actions = mergeTrailEvents(input.events).map(
    (e): AuditAction => ({
      time: e.eventTime,
      service: serviceOf(e.eventSource),
      action: e.eventName,
      region: e.awsRegion,
      readOnly: e.readOnly ?? null,
      result: e.errorCode ? e.errorCode : 'Success',
      resources: e.resources.map((r) => r.name ?? r.type ?? '').filter((r) => r.length > 0),
      eventId: e.eventId,
    }),
  );
  return {
    schemaVersion: AUDIT_REPORT_SCHEMA_VERSION,
    requestId: input.request.requestId,
    account: { id: input.request.accountId, name: input.request.accountName },
    role: input.grant.role,
    reason: input.request.reason,
    requestedBy: input.request.requester ?? null,
    approvedBy: input.decision?.approver ?? null,
    window: { grantedAt: input.grant.grantedAt, expiresAt: input.grant.expiresAt },
    accessKeyId: input.grant.accessKeyId,
    regionsSearched: [...input.regions],
    complete: input.complete,
    completeness: input.completeness,
    summary: {
      total: actions.length,
      mutating: actions.filter((a) => a.readOnly === false).length,
      errors: actions.filter((a) => a.result !== 'Success').length,
    },
    actions,
    generatedAt: input.generatedAt,
  };
}

/** SHA-256 of a report body, so a reader can check that what they read is what was written. */
export function reportDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

/** The report as Markdown, for people. Requester text is escaped so it cannot forge table rows or HTML. */
export function renderAuditMarkdown(report: AuditReport): string {
  const lines = [
    `# Elevation audit: ${mdCell(report.requestId)}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Account | ${mdCell(report.account.name)} (${report.account.id}) |`,
    `| Role | ${mdCell(report.role)} |`,
    `| Reason | ${mdCell(report.reason)} |`,
    `| Requested by | ${mdCell(report.requestedBy ?? 'unknown')} |`,
    `| Approved by | ${mdCell(report.approvedBy ?? 'unknown')} |`,
    `| Window | ${report.window.grantedAt} → ${report.window.expiresAt} |`,
    `| Access key | ${report.accessKeyId} |`,
    `| Regions searched | ${report.regionsSearched.join(', ')} |`,
    `| Complete | ${report.complete ? 'yes' : 'NO'}: ${mdCell(report.completeness)} |`,
    '',
    `**${report.summary.total}** calls, **${report.summary.mutating}** mutating, **${report.summary.errors}** errors.`,
    '',
  ];
  if (report.actions.length === 0) {
    lines.push('No calls were recorded for these credentials.');
  } else {
    lines.push('| Time | Service | Action | Resources | Region | Result |', '|---|---|---|---|---|---|');
    for (const a of report.actions) {
      lines.push(
        `| ${a.time} | ${mdCell(a.service)} | ${mdCell(a.action)}${a.readOnly === false ? ' ✎' : ''} | ${mdCell(a.resources.join(', '))} | ${a.region} | ${mdCell(a.result)} |`,
      );
    }
  }
  lines.push('', `Generated ${report.generatedAt}.`, '');
  return lines.join('\n');
}

/** `reports/<account>/<yyyy>/<mm>/<requestId>` (without extension). */
export function reportKeyBase(accountId: string, requestId: string, grantedAt: string): string {
  const d = new Date(grantedAt);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  return `reports/${accountId}/${d.getUTCFullYear()}/${mm}/${requestId}`;
}
