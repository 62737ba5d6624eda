import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JsonFile } from '../store/json-file';

/** The three long-term keys the sandbox knows; everything else is minted by its STS. */
export type KeyHolder = 'agent' | 'approver' | 'broker';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type SandboxKeys = Readonly<Record<KeyHolder, AccessKey>>;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key id in AWS's shape: a 4-letter prefix (`AKIA` long-term, `ASIA` temporary) and 16 more. */
export function newAccessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + [...randomBytes(16)].map((b) => BASE32[b % 32]).join('');
}

/** A 40-character secret access key, as AWS issues them. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

function newKey(): AccessKey {
  return { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
}

/**
 * The keys of the agent, the approver and the broker's own functions: made on first start, kept in
 * `$JIT_HOME/keys.json` (owner-only), printed at start and written as sourceable env files, so the same
 * keys work across restarts. They exist nowhere but in this sandbox.
 */
export function loadOrCreateKeys(home: string): SandboxKeys {
  const file = new JsonFile<Partial<Record<KeyHolder, AccessKey>>>(join(home, 'keys.json'), () => ({}));
  const keys = file.get();
  if (!keys.agent || !keys.approver || !keys.broker) {
    file.update((k) => {
      k.agent ??= newKey();
      k.approver ??= newKey();
      k.broker ??= newKey();
    });
  }
  return file.get() as SandboxKeys;
}
