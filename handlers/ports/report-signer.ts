/**
 * Signs audit report manifests (handlers/core/report-manifest.ts) with an asymmetric key: AWS KMS in
 * AWS, a local key in the sandbox. RSASSA-PKCS1-v1_5 with SHA-256 (handlers/core/report-manifest.ts).
 */
export interface ReportSigner {
  /** The key's id as the manifest names it (a KMS key ARN, or `local:<fingerprint>`). */
  readonly keyId: string;
  /** Signs the manifest's exact bytes (UTF-8): signed over their SHA-256, the raw signature returned. */
  signManifest(manifestBytes: string): Promise<Uint8Array>;
}

/** Where a verifier gets the public key of a manifest's `signer.keyId` (DER SubjectPublicKeyInfo). */
export interface PublicKeySource {
  publicKeyOf(keyId: string): Promise<Uint8Array>;
}
