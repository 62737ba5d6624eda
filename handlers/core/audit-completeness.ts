import type { RegionCollection } from './audit-report';

/**
 * When an audit report may call itself complete. Three things have to hold, and this file is where the
 * first two are decided; the third is `observePoll` in `audit-polling.ts`:
 *
 * 1. a region is read completely only when every credential's lookup in it reached its last page;
 * 2. a poll read everything only when every region did (a poll that missed a page never counts as quiet);
 * 3. the trail settled: quiet polls in a row after the delivery lag, before the deadline.
 */

/** What looking up one access key's events in one region came to. */
export interface KeyLookup {
  readonly events: number;
  readonly pages: number;
  /** False when the lookup stopped before the last page, or failed. */
  readonly complete: boolean;
  /** Why it is not complete. */
  readonly error?: string;
}

/** The reason a lookup gives when it stopped early so that the invocation still has time to write the report. */
export function stoppedEarlyReason(pages: number): string {
  return `stopped after ${pages} pages to leave time for the report`;
}

/** One region's part of the report: the lookups' counts, complete only when all of them are, and the first reason one is not. */
export function regionCollection(region: string, lookups: readonly KeyLookup[]): RegionCollection {
  const error = lookups.find((l) => !l.complete && l.error)?.error;
  return {
    region,
    events: lookups.reduce((n, l) => n + l.events, 0),
    pages: lookups.reduce((n, l) => n + l.pages, 0),
    complete: lookups.every((l) => l.complete),
    ...(error ? { error } : {}),
  };
}

/** Whether a poll read every region to its end. */
export function readEverything(regions: readonly RegionCollection[]): boolean {
  return regions.every((r) => r.complete);
}

/** The longest completeness sentence the request record and the `Elevation Audited` event carry. */
export const MAX_COMPLETENESS_LENGTH = 500;

/** The report's reason, cut to what the record and the event carry. */
export function completenessText(reason: string): string {
  return reason.slice(0, MAX_COMPLETENESS_LENGTH);
}
