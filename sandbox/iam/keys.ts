import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JsonFile } from '../store/json-file';

/** The long-term keys the sandbox knows; everything else is minted by its STS. */
export type KeyHolder = 'agent' | 'approver' | 'broker';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SandboxKeys extends Readonly<Record<KeyHolder, AccessKey>> {
  /**
   * Every configured agent's key, by agent id. The first agent's is `agent` (the seed's one agent, whose
   * key `keys.json` has held since before several agents); the others' are kept under `agents`.
   */
  readonly agents: Readonly<Record<string, AccessKey>>;
}

interface StoredKeys extends Partial<Record<KeyHolder, AccessKey>> {
  agents?: Record<string, AccessKey>;
}

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
 * The keys of every configured agent, the approver and the broker's own functions: made on first start
 * (an agent added to the config later gets its key on the next start), kept in `$JIT_HOME/keys.json`
 * (owner-only), printed at start and written as sourceable env files, so the same keys work across
 * restarts. They exist nowhere but in this sandbox.
 *
 * @param agentIds the configured agents' ids, the first agent's first
 */
export function loadOrCreateKeys(home: string, agentIds: readonly string[] = []): SandboxKeys {
  const file = new JsonFile<StoredKeys>(join(home, 'keys.json'), () => ({}));
  const stored = file.get();
  const others = agentIds.slice(1);
  if (!stored.agent || !stored.approver || !stored.broker || others.some((id) => !stored.agents?.[id])) {
    file.update((k) => {
      k.agent ??= newKey();
      k.approver ??= newKey();
      k.broker ??= newKey();
      k.agents ??= {};
      for (const id of others) k.agents[id] ??= newKey();
    });
  }
  const keys = file.get() as Required<StoredKeys>;
  const agents: Record<string, AccessKey> = {};
  if (agentIds.length > 0) agents[agentIds[0]] = keys.agent;
  for (const id of others) agents[id] = keys.agents[id];
  return { agent: keys.agent, approver: keys.approver, broker: keys.broker, agents };
}
