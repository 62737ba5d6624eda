/**
 * Signs audit report manifests (handlers/core/report-manifest.ts) with an asymmetric key: AWS KMS in
 * AWS, a local key in the sandbox. ECDSA P-256 with SHA-256; signatures are DER-encoded.
 */
export interface ReportSigner {
  /** The key's id as the manifest names it (a KMS key ARN, or `local:<fingerprint>`). */
  readonly keyId: string;
  /** Signs the manifest's exact bytes (UTF-8): ECDSA over their SHA-256, the DER signature returned. */
  signManifest(manifestBytes: string): Promise<Uint8Array>;
}

/** Where a verifier gets the public key of a manifest's `signer.keyId` (DER SubjectPublicKeyInfo). */
export interface PublicKeySource {
  publicKeyOf(keyId: string): Promise<Uint8Array>;
}
