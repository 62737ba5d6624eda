import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActiveSecret } from '../../handlers/core/secret-value';
import { privateDir } from './cache-dir';

/**
 * Default longest reuse of a cached grant, in seconds. An AWS tool runs `credential_process` often
 * (botocore on every call in a grant's last ten minutes), and the cache spares a Secrets Manager call
 * each time; the bound keeps a revoked grant from being handed out for long (the SourceIdentity deny
 * stops its use anyway).
 */
export const DEFAULT_CACHE_SECONDS = 60;

/**
 * `$JIT_CREDS_CACHE_SECONDS` as a number: undefined when unset, null when it is not a whole number.
 */
export function cacheSecondsFromEnv(env: NodeJS.ProcessEnv): number | undefined | null {
  const seconds = env.JIT_CREDS_CACHE_SECONDS;
  if (seconds === undefined) return undefined;
  return /^\d{1,5}$/.test(seconds) ? Number(seconds) : null;
}

interface CacheEntry {
  readonly cachedAt: string;
  readonly secret: ActiveSecret;
}

const SECRET_FIELDS = ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration', 'GrantedFor', 'GrantedAt', 'RoleName', 'RequestId', 'GrantId'] as const;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A cache file's entry, checked field by field (no zod: a cache hit is the path `jit creds` takes most
 * often, and loading zod would double its time). Only jit writes these files, from a secret that
 * passed `activeSecretSchema`; this rejects a truncated or edited file.
 */
function parseEntry(text: string): CacheEntry | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { cachedAt, secret } = json as { cachedAt?: unknown; secret?: unknown };
  if (typeof cachedAt !== 'string' || !ISO_DATETIME.test(cachedAt) || typeof secret !== 'object' || secret === null) return undefined;
  const fields = secret as Record<string, unknown>;
  if (!SECRET_FIELDS.every((f) => typeof fields[f] === 'string')) return undefined;
  const value = secret as ActiveSecret;
  if (value.AccessKeyId.length < 16 || !value.SecretAccessKey || !value.SessionToken) return undefined;
  if (!ISO_DATETIME.test(value.Expiration) || !ISO_DATETIME.test(value.GrantedAt)) return undefined;
  if (!Number.isInteger(fields.GrantedMinutes) || (fields.GrantedMinutes as number) < 1) return undefined;
  const kept = [...SECRET_FIELDS, 'GrantedMinutes'].map((f) => [f, fields[f]]);
  return { cachedAt, secret: Object.fromEntries(kept) as unknown as ActiveSecret };
}

export interface CredentialsCacheOptions {
  /** Folder of the cache files (created 0700). */
  readonly dir: string;
  /** Seconds an entry is reused; 0 turns the cache off. @default 60 */
  readonly maxAgeSeconds?: number;
}

/**
 * A per-user cache of the grant read from an account's secret: one file per broker and account, mode
 * 0600 in a 0700 folder, written atomically, used only before the grant's approved expiry and for at
 * most `maxAgeSeconds`, and deleted once it is stale. A file anyone else could read is not used.
 */
export class CredentialsCache {
  private readonly maxAgeMs: number;

  constructor(private readonly options: CredentialsCacheOptions) {
    this.maxAgeMs = (options.maxAgeSeconds ?? DEFAULT_CACHE_SECONDS) * 1000;
  }

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  fileFor(hubAccount: string, accountId: string): string {
    return join(this.options.dir, `creds-${hubAccount}-${accountId}.json`);
  }

  /** A cached grant that is still fresh and unexpired, else undefined (a stale file is removed). */
  read(hubAccount: string, accountId: string, now: Date): ActiveSecret | undefined {
    if (!this.enabled) return undefined;
    const file = this.fileFor(hubAccount, accountId);
    let text: string;
    try {
      const fd = openSync(file, 'r');
      try {
        const stat = fstatSync(fd);
        const foreign = typeof process.getuid === 'function' && stat.uid !== process.getuid();
        if (foreign || (stat.mode & 0o077) !== 0) {
          this.drop(hubAccount, accountId);
          return undefined;
        }
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
    const entry = parseEntry(text);
    const fresh =
      entry !== undefined &&
      Date.parse(entry.secret.Expiration) > now.getTime() &&
      now.getTime() - Date.parse(entry.cachedAt) < this.maxAgeMs &&
      Date.parse(entry.cachedAt) <= now.getTime();
    if (!fresh) {
      this.drop(hubAccount, accountId);
      return undefined;
    }
    return entry?.secret;
  }

  write(hubAccount: string, accountId: string, secret: ActiveSecret, now: Date): void {
    if (!this.enabled) return;
    privateDir(this.options.dir);
    const file = this.fileFor(hubAccount, accountId);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ cachedAt: now.toISOString(), secret }), { mode: 0o600, flag: 'w' });
    renameSync(temp, file);
  }

  drop(hubAccount: string, accountId: string): void {
    rmSync(this.fileFor(hubAccount, accountId), { force: true });
  }
}
