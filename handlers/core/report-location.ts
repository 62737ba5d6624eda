import { z } from 'zod';
import { MAX_COMPLETENESS_LENGTH } from './audit-completeness';

/**
 * Where a report was written, as the `Elevation Audited` event and the request record carry it. With the
 * version ids and digests a reader can fetch exactly the bytes the broker wrote and prove they are unchanged.
 */
export const reportLocationSchema = z.object({
  jsonUri: z.string(),
  markdownUri: z.string(),
  jsonVersionId: z.string().optional(),
  markdownVersionId: z.string().optional(),
  /** SHA-256 (hex) of the JSON report's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** SHA-256 (hex) of the Markdown report's bytes. */
  markdownSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The signed manifest (docs/audit.md, "Signed evidence"): its location, digest and the key that signed it. */
  manifestUri: z.string().optional(),
  signatureUri: z.string().optional(),
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  signedBy: z.string().optional(),
  complete: z.boolean(),
  /** Why the report is (in)complete. */
  completeness: z.string().max(MAX_COMPLETENESS_LENGTH),
  eventCount: z.number().int().nonnegative(),
  /** The counts an operator wants in a notification, without opening the report. */
  summary: z.object({
    mutating: z.number().int().nonnegative(),
    accessDenied: z.number().int().nonnegative(),
    iamChanges: z.number().int().nonnegative(),
    securityGroupChanges: z.number().int().nonnegative(),
    credentialChanges: z.number().int().nonnegative(),
    unplannedMutating: z.number().int().nonnegative(),
    afterExpiry: z.number().int().nonnegative(),
    afterRevoke: z.number().int().nonnegative(),
  }),
});

export type ReportLocation = z.infer<typeof reportLocationSchema>;

/** Reports live under this prefix of the audit bucket; the audit function may write nowhere else. */
export const REPORT_PREFIX = 'reports/';

/**
 * `reports/<account>/<yyyy>/<mm>/<requestId>` (without extension), by the month the first credentials
 * were issued, so an auditor can browse by account and month.
 */
export function reportKeyBase(accountId: string, requestId: string, issuedAt: string): string {
  const d = new Date(issuedAt);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  return `${REPORT_PREFIX}${accountId}/${d.getUTCFullYear()}/${mm}/${requestId}`;
}

/** `s3://bucket/key` → its parts; undefined for anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}
