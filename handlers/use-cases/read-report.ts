import { type AuditReport, auditReportSchema } from '../core/audit-report';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { InvalidReportQueryError, ReportNotFoundError } from '../core/errors';
import { type ReportLocation, reportLocationSchema } from '../core/report-location';
import { sha256Hex } from '../core/report-digest';
import type { ReportRecordFields } from '../core/request-record';
import { decodeSignature, manifestUrisOf, reportManifestSchema, verifyManifestSignature } from '../core/report-manifest';
import type { FetchedObject, ReportReader } from '../ports/report-reader';
import type { PublicKeySource } from '../ports/report-signer';

/** One verification step. `ok: null` means it could not be performed (nothing to compare with). */
export interface ReportCheck {
  readonly name:
    | 'schema'
    | 'published-digest'
    | 'stored-checksum'
    | 'markdown-names-digest'
    | 'markdown-digest'
    | 'latest-version'
    | 'object-lock'
    | 'manifest-signature'
    | 'manifest-names-report';
  readonly ok: boolean | null;
  readonly detail: string;
}

export interface ReadReportResult {
  readonly requestId: string;
  readonly jsonUri: string;
  readonly jsonVersionId?: string;
  /** The JSON report exactly as stored (what `--json` prints). */
  readonly json: string;
  /** The parsed report; absent when the stored JSON does not match the report schema. */
  readonly report?: AuditReport;
  readonly markdown?: string;
  readonly sha256: string;
  readonly checks: readonly ReportCheck[];
  /** Every check that could be performed passed, and at least one digest was compared. */
  readonly verified: boolean;
}

export interface ReadReportDeps {
  readonly reader: ReportReader;
  /** The request store, when the caller may read it: it names the exact versions and digests written. */
  readonly store?: { get(requestId: string): Promise<ReportRecordFields | undefined> };
  /** Where the signing key's public half comes from (KMS GetPublicKey, or the sandbox's local key). */
  readonly publicKeys?: PublicKeySource;
}

export interface ReadReportOptions {
  /** Narrows the search when the request record is gone. */
  readonly accountId?: string;
}

function schemaCheck(json: string, requestId: string): { check: ReportCheck; report?: AuditReport } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    return { check: { name: 'schema', ok: false, detail: `not JSON: ${(error as Error).message}` } };
  }
  const parsed = auditReportSchema.safeParse(data);
  if (!parsed.success) return { check: { name: 'schema', ok: false, detail: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
  if (parsed.data.requestId !== requestId) {
    return { check: { name: 'schema', ok: false, detail: `the report is about request ${parsed.data.requestId}, not ${requestId}` } };
  }
  return { check: { name: 'schema', ok: true, detail: `${parsed.data.schema} v${parsed.data.schemaVersion}` }, report: parsed.data };
}

function verificationChecks(json: FetchedObject, sha256: string, markdown: FetchedObject | undefined, recorded: ReportLocation | undefined): ReportCheck[] {
  const checks: ReportCheck[] = [];
  checks.push(
    recorded
      ? { name: 'published-digest', ok: recorded.sha256 === sha256, detail: recorded.sha256 === sha256 ? `SHA-256 ${sha256} as published when the report was written` : `SHA-256 ${sha256}, but ${recorded.sha256} was published` }
      : { name: 'published-digest', ok: null, detail: 'no request record to compare with; compare with the reportSha256 of the Elevation Audited event' },
  );
  checks.push(
    json.storedSha256
      ? { name: 'stored-checksum', ok: json.storedSha256 === sha256, detail: json.storedSha256 === sha256 ? 'matches the checksum S3 verified on upload' : `S3 recorded ${json.storedSha256} on upload` }
      : { name: 'stored-checksum', ok: null, detail: 'the store keeps no checksum for this version' },
  );
  if (markdown) {
    const names = markdown.body.includes(sha256);
    checks.push({ name: 'markdown-names-digest', ok: names, detail: names ? 'the Markdown report names this digest' : 'the Markdown report names another digest: it was not rendered from this JSON' });
    const mdSha = sha256Hex(markdown.body);
    checks.push(
      recorded
        ? { name: 'markdown-digest', ok: recorded.markdownSha256 === mdSha, detail: recorded.markdownSha256 === mdSha ? 'Markdown as published' : `Markdown SHA-256 ${mdSha}, but ${recorded.markdownSha256} was published` }
        : { name: 'markdown-digest', ok: null, detail: 'no request record to compare with' },
    );
  }
  const superseded = json.supersededByNewerVersion || (markdown?.supersededByNewerVersion ?? false);
  checks.push(
    recorded?.jsonVersionId
      ? { name: 'latest-version', ok: !superseded, detail: superseded ? 'a newer version was written over the report after the audit; this is the version the audit wrote' : 'no version was written after the audit' }
      : { name: 'latest-version', ok: null, detail: 'no recorded version id to compare with' },
  );
  checks.push(
    json.retention
      ? { name: 'object-lock', ok: true, detail: `${json.retention.mode} until ${json.retention.retainUntil}` }
      : { name: 'object-lock', ok: null, detail: 'no Object Lock retention visible (objectLock NONE, or no s3:GetObjectRetention)' },
  );
  return checks;
}

/**
 * Finds and fetches the audit report of a request and verifies it: the exact version the audit wrote (from
 * the request record) or, when the record has expired, the report found by key; its SHA-256 against the
 * digest published when it was written and the checksum S3 verified on upload; the Markdown against it;
 * whether anything was written over it since; its Object Lock. `jit report` is a thin shell around this.
 */
export async function readReport(requestId: string, deps: ReadReportDeps, options: ReadReportOptions = {}): Promise<ReadReportResult> {
  if (!REQUEST_ID_PATTERN.test(requestId)) {
    throw new InvalidReportQueryError(`"${requestId}" is not a request id: 8-36 letters, digits or dashes, starting with a letter or digit.`);
  }
  if (options.accountId !== undefined && !/^\d{12}$/.test(options.accountId)) {
    throw new InvalidReportQueryError(`"${options.accountId}" is not an AWS account id (12 digits).`);
  }
  const record = await deps.store?.get(requestId);
  const recordedParse = record?.report ? reportLocationSchema.safeParse(record.report) : undefined;
  const recorded = recordedParse?.success ? recordedParse.data : undefined;

  const jsonUri = recorded?.jsonUri ?? (await deps.reader.findJsonUri(requestId, options.accountId ?? record?.accountId));
  if (!jsonUri) throw new ReportNotFoundError(requestId);
  const json = await deps.reader.fetch(jsonUri, recorded?.jsonVersionId);
  if (!json) throw new ReportNotFoundError(requestId);
  const markdownUri = recorded?.markdownUri ?? jsonUri.replace(/\.json$/, '.md');
  const markdown = await deps.reader.fetch(markdownUri, recorded?.markdownVersionId);

  const sha256 = sha256Hex(json.body);
  const { check, report } = schemaCheck(json.body, requestId);
  const checks = [check, ...verificationChecks(json, sha256, markdown, recorded), ...(await manifestChecks(requestId, jsonUri, sha256, recorded, deps))];
  const digestCompared = checks.some((c) => (c.name === 'published-digest' || c.name === 'stored-checksum' || c.name === 'manifest-signature') && c.ok !== null);
  return {
    requestId,
    jsonUri,
    ...(json.versionId ? { jsonVersionId: json.versionId } : {}),
    json: json.body,
    ...(report ? { report } : {}),
    ...(markdown ? { markdown: markdown.body } : {}),
    sha256,
    checks,
    verified: digestCompared && checks.every((c) => c.ok !== false),
  };
}

/**
 * The signed manifest next to the report: its signature verified with the signing key's public half, and
 * the report's SHA-256 it names compared with the report's. A report whose record says it was signed fails
 * when the manifest or signature is missing; an older, unsigned report gets `ok: null`.
 */
async function manifestChecks(requestId: string, jsonUri: string, sha256: string, recorded: ReportLocation | undefined, deps: ReadReportDeps): Promise<ReportCheck[]> {
  const uris = manifestUrisOf(jsonUri);
  const manifestObject = await deps.reader.fetch(recorded?.manifestUri ?? uris.manifestUri);
  const signatureObject = await deps.reader.fetch(recorded?.signatureUri ?? uris.signatureUri);
  if (!manifestObject || !signatureObject) {
    const missing = !manifestObject ? 'manifest' : 'signature';
    return recorded?.manifestUri
      ? [{ name: 'manifest-signature', ok: false, detail: `the report was signed when written, but its ${missing} is missing` }]
      : [{ name: 'manifest-signature', ok: null, detail: `no signed manifest next to the report (no ${missing})` }];
  }
  if (recorded?.manifestSha256 && sha256Hex(manifestObject.body) !== recorded.manifestSha256) {
    return [{ name: 'manifest-signature', ok: false, detail: `the manifest's SHA-256 is ${sha256Hex(manifestObject.body)}, but ${recorded.manifestSha256} was published` }];
  }
  let parsed;
  try {
    parsed = reportManifestSchema.safeParse(JSON.parse(manifestObject.body));
  } catch (error) {
    return [{ name: 'manifest-signature', ok: false, detail: `the manifest is not JSON: ${(error as Error).message}` }];
  }
  if (!parsed.success) return [{ name: 'manifest-signature', ok: false, detail: 'the manifest does not match manifest schema v1' }];
  const manifest = parsed.data;
  const signature = decodeSignature(signatureObject.body);
  const checks: ReportCheck[] = [];
  if (!signature) checks.push({ name: 'manifest-signature', ok: false, detail: 'the signature file is not base64' });
  else if (!deps.publicKeys) checks.push({ name: 'manifest-signature', ok: null, detail: `no public key source to verify the signature of ${manifest.signer.keyId} with` });
  else {
    let publicKey: Uint8Array | undefined;
    let keyError: string | undefined;
    try {
      publicKey = await deps.publicKeys.publicKeyOf(manifest.signer.keyId);
    } catch (error) {
      keyError = `${(error as Error).name}: ${(error as Error).message}`;
    }
    if (!publicKey) checks.push({ name: 'manifest-signature', ok: null, detail: `could not get the public key of ${manifest.signer.keyId} (${keyError ?? 'none'})` });
    else {
      const valid = verifyManifestSignature(manifestObject.body, signature, publicKey);
      checks.push({
        name: 'manifest-signature',
        ok: valid,
        detail: valid ? `${manifest.signer.algorithm} signature by ${manifest.signer.keyId} verifies` : `the signature does not verify with ${manifest.signer.keyId}: the manifest or its signature was changed`,
      });
    }
  }
  const names = manifest.report.sha256 === sha256 && manifest.requestId === requestId;
  checks.push({
    name: 'manifest-names-report',
    ok: names,
    detail: names ? 'the signed manifest names this report\'s SHA-256' : `the signed manifest names request ${manifest.requestId} and SHA-256 ${manifest.report.sha256}; this report is ${requestId} with ${sha256}`,
  });
  return checks;
}
