import { createHash, createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import type { AuditReport } from './audit-report';
import { type PolicyProofs, policyProofsSchema, NOT_PROVEN } from './policy-proofs';

/**
 * The signed manifest of an audit report (docs/audit.md, "Signed evidence"): what was asked, planned,
 * decided and granted, what was proven before the mint, and the digests of the report and of the trail it
 * was built from. The audit function signs its exact bytes; anyone with the public key can verify them with
 * `openssl dgst -sha256 -verify`. The manifest names the report by its SHA-256, so a signature over the
 * manifest covers every byte of the report.
 */
export const REPORT_MANIFEST_SCHEMA = 'jit-report-manifest';
export const REPORT_MANIFEST_SCHEMA_VERSION = 1;

/**
 * RSASSA-PKCS1-v1_5 with SHA-256 on an `RSA_2048` key (`SIGN_VERIFY`), as KMS names it. The signature is
 * the raw RSA signature (256 bytes), which `openssl dgst -sha256 -verify` reads as it is; the scheme is
 * deterministic, so a sandbox key signs the same way without any ASN.1 re-encoding.
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html
 */
export const MANIFEST_SIGNING_ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';

/** The KMS key spec of the signing key. */
export const MANIFEST_KEY_SPEC = 'RSA_2048';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const reportManifestSchema = z.object({
  schema: z.literal(REPORT_MANIFEST_SCHEMA),
  schemaVersion: z.literal(REPORT_MANIFEST_SCHEMA_VERSION),
  requestId: z.string(),
  generatedAt: z.iso.datetime(),
  /** The key that signs this manifest (a KMS key ARN, or `local:<fingerprint>` in the sandbox), and how. */
  signer: z.object({ keyId: z.string(), algorithm: z.literal(MANIFEST_SIGNING_ALGORITHM) }),
  report: z.object({ jsonUri: z.string(), sha256: hex64, markdownSha256: hex64 }),
  request: z.unknown(),
  plan: z.unknown(),
  decision: z.unknown(),
  grant: z.unknown(),
  proofs: policyProofsSchema,
  /**
   * SHA-256 over the sorted CloudTrail event ids the report holds (management and data events), with their
   * count and the completeness; `dataEvents` when the account's trail of data events was read (added within v1).
   */
  trail: z.object({
    digest: hex64,
    events: z.number().int().nonnegative(),
    complete: z.boolean(),
    dataEvents: z
      .object({
        /** Whether every folder of the trail was read (`coverage.read` includes `data`). */
        read: z.boolean(),
        /** Data events in the report. */
        events: z.number().int().nonnegative(),
        /** Log files read. */
        objects: z.number().int().nonnegative(),
        sources: z.array(z.string()),
      })
      .optional(),
  }),
});

export type ReportManifest = z.infer<typeof reportManifestSchema>;

/** SHA-256 (hex) over the sorted event ids, one a line: the same ids give the same digest whatever the order. */
export function trailDigest(eventIds: readonly string[]): string {
  return createHash('sha256').update([...eventIds].sort().join('\n'), 'utf8').digest('hex');
}

export interface ManifestInput {
  readonly report: AuditReport;
  readonly jsonUri: string;
  readonly jsonSha256: string;
  readonly markdownSha256: string;
  readonly keyId: string;
  /** What was proven before the mint; absent for grants minted before proofs existed. */
  readonly proofs?: PolicyProofs;
}

export function buildReportManifest(input: ManifestInput): ReportManifest {
  const { report } = input;
  return {
    schema: REPORT_MANIFEST_SCHEMA,
    schemaVersion: REPORT_MANIFEST_SCHEMA_VERSION,
    requestId: report.requestId,
    generatedAt: report.generatedAt,
    signer: { keyId: input.keyId, algorithm: MANIFEST_SIGNING_ALGORITHM },
    report: { jsonUri: input.jsonUri, sha256: input.jsonSha256, markdownSha256: input.markdownSha256 },
    request: report.request,
    plan: report.plan,
    decision: report.approval,
    grant: report.grant,
    proofs: input.proofs ?? { verdict: NOT_PROVEN, reason: 'no proofs were recorded for this grant', checks: [] },
    trail: {
      digest: trailDigest(report.actions.map((a) => a.eventId)),
      events: report.actions.length,
      complete: report.collection.complete,
      ...(report.collection.dataEvents
        ? {
            dataEvents: {
              read: report.coverage?.read.includes('data') ?? false,
              events: report.actions.filter((a) => a.category === 'data').length,
              objects: report.collection.dataEvents.reduce((n, d) => n + d.objects, 0),
              sources: report.collection.dataEvents.map((d) => d.source),
            },
          }
        : {}),
    },
  };
}

/** The exact bytes that are signed and stored: pretty JSON with a final newline. */
export function serializeManifest(manifest: ReportManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * What is handed to the signer: the SHA-256 of the manifest's bytes. KMS `Sign` takes at most 4,096 bytes
 * with `MessageType: RAW`; a manifest can be longer, so the broker sends the digest with `MessageType:
 * DIGEST`, which KMS signs without hashing again. The signature is the same as a RAW signature over the
 * bytes, so `openssl dgst -sha256 -verify` checks it against the manifest file itself.
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 */
export function manifestDigest(manifestBytes: string): Uint8Array {
  return createHash('sha256').update(manifestBytes, 'utf8').digest();
}

/**
 * Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature over the manifest's bytes with a public key in DER
 * SubjectPublicKeyInfo form (what KMS `GetPublicKey` returns) or PEM. False for any mismatch, a malformed
 * signature or key included.
 */
export function verifyManifestSignature(manifestBytes: string, signature: Uint8Array, publicKey: Uint8Array | string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
    return verify('sha256', Buffer.from(manifestBytes, 'utf8'), key, Buffer.from(signature));
  } catch {
    return false;
  }
}

/** The signature file holds the raw signature in base64 with a final newline (`base64 -d` restores it). */
export function encodeSignature(signature: Uint8Array): string {
  return `${Buffer.from(signature).toString('base64')}\n`;
}

export function decodeSignature(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  return Buffer.from(trimmed, 'base64');
}

/** `<base>.json` → `<base>.manifest.json` and `<base>.manifest.sig`. */
export function manifestUrisOf(jsonUri: string): { manifestUri: string; signatureUri: string } {
  const base = jsonUri.replace(/\.json$/, '');
  return { manifestUri: `${base}.manifest.json`, signatureUri: `${base}.manifest.sig` };
}
