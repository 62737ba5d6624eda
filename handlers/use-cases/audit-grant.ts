import { z } from 'zod';
import { approvalDecisionSchema } from '../core/approval-decision';
import { completenessText, type KeyLookup, readEverything, regionCollection, stoppedEarlyReason } from '../core/audit-completeness';
import { renderAuditMarkdown } from '../core/audit-markdown';
import { type AuditState, auditRegions, auditStateSchema, observePoll } from '../core/audit-polling';
import { buildAuditReport, type DataEventCollection, type RegionCollection, serializeAuditReport } from '../core/audit-report';
import type { BrokerSettings } from '../core/broker-settings';
import { elevationRequestSchema } from '../core/elevation-request';
import { reportKeyBase, type ReportLocation } from '../core/report-location';
import { sha256Hex } from '../core/report-digest';
import { buildReportManifest, encodeSignature, manifestUrisOf, serializeManifest } from '../core/report-manifest';
import type { ReportSigner } from '../ports/report-signer';
import type { Clock } from '../ports/clock';
import type { ReportStore } from '../ports/report-store';
import type { DataEventLogFactory } from '../ports/data-event-log';
import type { TrailEvent, TrailFactory } from '../ports/trail';

export const auditGrantInputSchema = z.object({
  request: elevationRequestSchema,
  decision: approvalDecisionSchema.optional(),
  audit: auditStateSchema,
});

export type AuditGrantInput = z.infer<typeof auditGrantInputSchema>;

export interface AuditGrantDeps {
  readonly trails: TrailFactory;
  readonly reports: ReportStore;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
  /** Signs each report's manifest (KMS in AWS, a local key in the sandbox). Without it no manifest is written. */
  readonly signer?: ReportSigner;
  /**
   * Reads data events from the log files of an account's trail (`accounts[].dataEventTrail`). Without it, or
   * for an account without such a trail, the report reads management events only and says so.
   */
  readonly dataEvents?: DataEventLogFactory;
}

export interface AuditGrantOptions {
  /**
   * Wall-clock time (epoch ms) at which to stop reading CloudTrail, so the invocation still has time to
   * write the report. Regions cut short make the poll incomplete, never silently short.
   */
  readonly stopReadingAt?: number;
}

const MAX_ERROR_TEXT = 300;

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;
}

interface PollResult {
  readonly events: TrailEvent[];
  readonly regions: RegionCollection[];
  /** Absent when the account has no data-event trail configured (or no reader is wired). */
  readonly dataEvents?: DataEventCollection[];
}

/**
 * Reads the grant's data events from the account's trail, every audited region at once. The window is the
 * LookupEvents window, up to now: a log file delivered later may still hold earlier events, which the
 * settle rule waits for as it does for LookupEvents. Never rejects: a region it cannot read is incomplete.
 */
async function readDataEvents(state: AuditState, accountId: string, now: Date, deps: AuditGrantDeps, options: AuditGrantOptions): Promise<{ events: TrailEvent[]; collections: DataEventCollection[] } | undefined> {
  const trail = deps.settings.accounts.find((a) => a.id === accountId)?.dataEventTrail;
  if (!trail || !deps.dataEvents) return undefined;
  const open = deps.dataEvents;
  const startTime = new Date(state.window.start);
  const endTime = new Date(Math.min(Date.parse(state.window.end), now.getTime()));
  const accessKeyIds = state.credentials.map((c) => c.accessKeyId);
  const reads = await Promise.all(
    auditRegions(deps.settings.auditRegions).map(async (region) => {
      try {
        return { region, ...(await open(accountId, trail).readDataEvents({ region, accessKeyIds, startTime, endTime, stopAt: options.stopReadingAt })) };
      } catch (error) {
        return { region, source: `s3://${trail.bucket}/`, events: [] as TrailEvent[], objects: 0, complete: false, error: describeError(error) };
      }
    }),
  );
  return {
    events: reads.flatMap((r) => r.events),
    collections: reads.map((r) => ({ region: r.region, source: r.source, objects: r.objects, events: r.events.length, complete: r.complete, ...(r.error ? { error: r.error } : {}) })),
  };
}

/** Reads every region for every key at once; the trail's per-region limiter keeps each region within its rate. */
async function readTrail(state: AuditState, accountId: string, now: Date, deps: AuditGrantDeps, options: AuditGrantOptions): Promise<PollResult> {
  const trail = deps.trails(accountId);
  const startTime = new Date(state.window.start);
  const endTime = new Date(Math.min(Date.parse(state.window.end), now.getTime()));
  // The trail's log files are read alongside LookupEvents: different services, different limits.
  const dataRead = readDataEvents(state, accountId, now, deps, options);
  const perRegion = await Promise.all(
    auditRegions(deps.settings.auditRegions).map(async (region) => {
      const lookups = await Promise.all(
        state.credentials.map(async (c) => {
          try {
            const found = await trail.lookupByAccessKey({ region, accessKeyId: c.accessKeyId, startTime, endTime, stopAt: options.stopReadingAt });
            return { ...found, error: found.complete ? undefined : stoppedEarlyReason(found.pages) };
          } catch (error) {
            return { events: [] as TrailEvent[], pages: 0, complete: false, error: describeError(error) };
          }
        }),
      );
      const summary = regionCollection(
        region,
        lookups.map((l): KeyLookup => ({ events: l.events.length, pages: l.pages, complete: l.complete, ...(l.error ? { error: l.error } : {}) })),
      );
      return { summary, events: lookups.flatMap((l) => l.events) };
    }),
  );
  const data = await dataRead;
  return {
    // Management events first: the merge keeps the first of two records with one event id.
    events: [...perRegion.flatMap((r) => r.events), ...(data?.events ?? [])],
    regions: perRegion.map((r) => r.summary),
    ...(data ? { dataEvents: data.collections } : {}),
  };
}

/**
 * One poll of the audit loop the state machine runs: reads, in the target account, what each of the
 * request's credentials did in every configured region plus us-east-1, and decides with the previous
 * polls whether CloudTrail has settled. When it has, or the maximum lag has passed, it writes the report
 * as JSON and Markdown and returns its location in `report`; otherwise the state machine waits until
 * `nextPollAt` and calls again. The returned state holds counts and a digest, never the events.
 */
export async function auditGrant(input: AuditGrantInput, deps: AuditGrantDeps, options: AuditGrantOptions = {}): Promise<AuditState> {
  const { request, decision, audit } = input;
  // A retried task after the report was written must not write it again.
  if (audit.done) return audit;

  const now = deps.clock.now();
  const timing = { delayMinutes: deps.settings.auditDelayMinutes, maxLagMinutes: deps.settings.auditMaxLagMinutes };
  const { events, regions, dataEvents } = await readTrail(audit, request.accountId, now, deps, options);
  // The settle rule covers both sources: a poll is quiet only when neither found anything new, and counts
  // only when both were read to the end.
  const verdict = observePoll(
    audit,
    { eventIds: events.map((e) => e.eventId), readEverything: readEverything(regions) && (dataEvents ?? []).every((d) => d.complete) },
    now,
    timing,
  );
  if (!verdict.state.done) return verdict.state;

  const report = buildAuditReport({
    request,
    decision,
    credentials: audit.credentials,
    revocation: audit.revocation,
    events,
    collection: {
      complete: verdict.complete,
      reason: verdict.reason,
      window: audit.window,
      regions,
      ...(dataEvents ? { dataEvents } : {}),
      polls: verdict.state.polls,
      firstPollAt: verdict.state.firstPollAt ?? null,
      lastPollAt: verdict.state.lastPollAt ?? null,
      deadline: audit.deadline,
      ...timing,
    },
    generatedAt: now.toISOString(),
  });
  const json = serializeAuditReport(report);
  const sha256 = sha256Hex(json);
  const base = reportKeyBase(request.accountId, request.requestId, audit.credentials[0]?.issuedAt ?? now.toISOString());
  const jsonObject = await deps.reports.put(`${base}.json`, json, 'application/json', sha256);
  const markdown = renderAuditMarkdown(report, { jsonSha256: sha256, jsonUri: jsonObject.uri });
  const markdownSha256 = sha256Hex(markdown);
  const markdownObject = await deps.reports.put(`${base}.md`, markdown, 'text/markdown; charset=utf-8', markdownSha256);
  const signed = deps.signer ? await signManifest(deps.signer, deps.reports, base, { report, jsonUri: jsonObject.uri, jsonSha256: sha256, markdownSha256 }) : undefined;

  const s = report.summary;
  const location: ReportLocation = {
    jsonUri: jsonObject.uri,
    markdownUri: markdownObject.uri,
    ...(jsonObject.versionId ? { jsonVersionId: jsonObject.versionId } : {}),
    ...(markdownObject.versionId ? { markdownVersionId: markdownObject.versionId } : {}),
    sha256,
    markdownSha256,
    ...(signed ?? {}),
    complete: report.collection.complete,
    completeness: completenessText(verdict.reason),
    eventCount: s.total,
    summary: {
      mutating: s.mutating,
      accessDenied: s.accessDenied,
      iamChanges: s.iamChanges,
      securityGroupChanges: s.securityGroupChanges,
      credentialChanges: s.credentialChanges,
      unplannedMutating: s.unplannedMutating,
      afterExpiry: s.afterExpiry,
      afterRevoke: s.afterRevoke,
    },
  };
  return { ...verdict.state, report: location };
}

/**
 * Writes the report's manifest and its signature next to the report (`<base>.manifest.json`,
 * `<base>.manifest.sig`): the manifest names the report's digest, the signature covers the manifest's bytes.
 */
async function signManifest(
  signer: ReportSigner,
  reports: ReportStore,
  base: string,
  input: { report: Parameters<typeof buildReportManifest>[0]['report']; jsonUri: string; jsonSha256: string; markdownSha256: string },
): Promise<Pick<ReportLocation, 'manifestUri' | 'signatureUri' | 'manifestSha256' | 'signedBy'>> {
  const manifest = serializeManifest(buildReportManifest({ ...input, keyId: signer.keyId, ...(input.report.proofs ? { proofs: input.report.proofs } : {}) }));
  const signature = encodeSignature(await signer.signManifest(manifest));
  const manifestSha256 = sha256Hex(manifest);
  const manifestObject = await reports.put(`${base}.manifest.json`, manifest, 'application/json', manifestSha256);
  const signatureObject = await reports.put(`${base}.manifest.sig`, signature, 'text/plain; charset=us-ascii', sha256Hex(signature));
  const expected = manifestUrisOf(input.jsonUri);
  if (manifestObject.uri !== expected.manifestUri) throw new Error(`The manifest was stored at ${manifestObject.uri}, not next to its report (${expected.manifestUri}).`);
  return { manifestUri: manifestObject.uri, signatureUri: signatureObject.uri, manifestSha256, signedBy: signer.keyId };
}
