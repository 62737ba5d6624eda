import { z } from 'zod';
import { approvalDecisionSchema } from '../core/approval-decision';
import { buildAuditReport, renderAuditMarkdown, reportDigest, reportKeyBase } from '../core/audit-report';
import type { BrokerSettings } from '../core/broker-settings';
import { elevationRequestSchema } from '../core/elevation-request';
import { MalformedTaskInputError } from '../core/errors';
import { grantSummarySchema } from '../core/grant';
import type { ReportLocation } from '../core/request-record';
import type { Clock } from '../ports/clock';
import type { ReportStore } from '../ports/report-store';
import type { TrailEvent, TrailFactory } from '../ports/trail';

export const auditGrantInputSchema = z.object({
  request: elevationRequestSchema,
  grant: grantSummarySchema,
  decision: approvalDecisionSchema.optional(),
});

export interface AuditGrantDeps {
  readonly trails: TrailFactory;
  readonly reports: ReportStore;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

/** IAM and global STS events are recorded in us-east-1, whatever region the agent worked in. */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

export function auditRegions(configured: readonly string[]): string[] {
  return [...new Set([...configured, GLOBAL_EVENTS_REGION])];
}

/**
 * Reads from CloudTrail, in the target account, everything the grant's access key did, in every
 * configured region plus us-east-1, and writes the report as JSON and Markdown.
 */
export async function auditGrant(input: unknown, deps: AuditGrantDeps): Promise<ReportLocation> {
  const parsed = auditGrantInputSchema.safeParse(input);
  if (!parsed.success) throw new MalformedTaskInputError('audit', parsed.error.message);
  const { request, grant, decision } = parsed.data;

  const regions = auditRegions(deps.settings.auditRegions);
  const trail = deps.trails(request.accountId);
  const startTime = new Date(grant.grantedAt);
  const endTime = deps.clock.now();
  const events: TrailEvent[] = [];
  for (const region of regions) {
    events.push(...(await trail.lookupByAccessKey({ region, accessKeyId: grant.accessKeyId, startTime, endTime })));
  }

  const report = buildAuditReport({
    request,
    grant,
    decision,
    events,
    regions,
    window: { start: startTime.toISOString(), end: endTime.toISOString() },
    complete: true,
    completeness: `searched ${regions.length} region(s) after waiting ${deps.settings.auditDelayMinutes} min for CloudTrail delivery`,
    generatedAt: endTime.toISOString(),
  });
  const json = JSON.stringify(report, null, 2);
  const markdown = `${renderAuditMarkdown(report)}\nSHA-256 of the JSON report: \`${reportDigest(json)}\`\n`;
  const base = reportKeyBase(request.accountId, request.requestId, grant.grantedAt);
  const jsonObject = await deps.reports.put(`${base}.json`, json, 'application/json');
  const markdownObject = await deps.reports.put(`${base}.md`, markdown, 'text/markdown; charset=utf-8');
  return {
    jsonUri: jsonObject.uri,
    markdownUri: markdownObject.uri,
    ...(jsonObject.versionId ? { jsonVersionId: jsonObject.versionId } : {}),
    ...(markdownObject.versionId ? { markdownVersionId: markdownObject.versionId } : {}),
    complete: report.complete,
    eventCount: report.summary.total,
  };
}
