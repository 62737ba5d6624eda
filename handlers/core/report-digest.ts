import { createHash } from 'node:crypto';

/**
 * SHA-256 of a report's exact bytes, hex-encoded: what `sha256sum` prints, so anyone can check a report
 * they downloaded against the digest the broker published in the `Elevation Audited` event, the request
 * record and the Markdown report.
 */
export function sha256Hex(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** The same digest as S3 takes and returns it (`x-amz-checksum-sha256`: base64). */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

export function base64ToHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}
