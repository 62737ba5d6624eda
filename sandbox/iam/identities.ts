import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { agentNameOf, agentsOf } from '../../infra/config/load-config';
import type { AgentConfig, JitConfig } from '../../infra/config/jit-config';
import { JournaledJsonFile } from '../store/json-file';
import type { SigningSecret } from '../http/sigv4';
import type { Caller, KeyCaller, SessionCaller } from './caller';
import { type AccessKey, type KeyHolder, type SandboxKeys, newAccessKeyId, newSecretAccessKey } from './keys';

/** The approver's IAM user name in the sandbox's hub account. */
export const SANDBOX_APPROVER_NAME = 'jit-sandbox-approver';
/** One IAM user stands in for every broker function role in the sandbox. */
export const SANDBOX_BROKER_NAME = 'jit-sandbox-broker';

interface StoredSession {
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly caller: SessionCaller;
}

function stableId(prefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return prefix + [...digest.subarray(0, 17)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');
}

/** The caller behind one agent's key: its IAM user, or a session of its role (the way it runs in AWS). */
function agentCaller(agentId: string, agent: AgentConfig, accessKeyId: string, hub: string): KeyCaller {
  const name = agentNameOf(agent);
  if (agent.kind === 'role') {
    const roleId = stableId('AROA', `${hub}:${name}`);
    return {
      kind: 'agent',
      agentId,
      accessKeyId,
      accountId: hub,
      arn: `arn:aws:sts::${hub}:assumed-role/${name}/jit-sandbox-agent`,
      principalArn: `arn:aws:iam::${hub}:role/${name}`,
      userId: `${roleId}:jit-sandbox-agent`,
      identityType: 'AssumedRole',
    };
  }
  const arn = `arn:aws:iam::${hub}:user/${name}`;
  return { kind: 'agent', agentId, accessKeyId, accountId: hub, arn, principalArn: arn, userId: stableId('AIDA', arn), identityType: 'IAMUser' };
}

function holderCaller(holder: 'approver' | 'broker', accessKeyId: string, hub: string): KeyCaller {
  const arn = `arn:aws:iam::${hub}:user/${holder === 'approver' ? SANDBOX_APPROVER_NAME : SANDBOX_BROKER_NAME}`;
  return { kind: holder, accessKeyId, accountId: hub, arn, principalArn: arn, userId: stableId('AIDA', arn), identityType: 'IAMUser' };
}

export interface MintInput {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sourceIdentity?: string;
  readonly sessionPolicy?: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly issuedBy: Caller;
}

export interface MintedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly caller: SessionCaller;
}

/**
 * Every identity that can sign a call to the sandbox: the three long-term keys, and the temporary
 * credentials its STS mints (kept in `$JIT_HOME/sts-sessions.json`, so a restart does not strand a grant).
 */
export class Identities {
  private readonly byKey = new Map<string, { secret: SigningSecret; caller: Caller }>();
  private readonly sessions: JournaledJsonFile<StoredSession>;

  constructor(
    readonly keys: SandboxKeys,
    config: JitConfig,
    home: string,
  ) {
    const hub = config.hub.account;
    const register = (key: AccessKey, caller: KeyCaller) => this.byKey.set(key.accessKeyId, { secret: { secretAccessKey: key.secretAccessKey }, caller });
    // Every configured agent signs with its own key, as its own IAM user or role (docs/sandbox.md).
    agentsOf(config).forEach((agent, i) => {
      const key = i === 0 ? keys.agent : keys.agents[agent.id];
      if (!key) throw new Error(`The sandbox has no key for agent ${agent.id}.`);
      register(key, agentCaller(agent.id, agent, key.accessKeyId, hub));
    });
    register(keys.approver, holderCaller('approver', keys.approver.accessKeyId, hub));
    register(keys.broker, holderCaller('broker', keys.broker.accessKeyId, hub));
    this.sessions = new JournaledJsonFile(join(home, 'sts-sessions.json'));
  }

  /** The secret to verify a signature with, and who signed; undefined for an unknown key. */
  resolve(accessKeyId: string): { secret: SigningSecret; caller: Caller } | undefined {
    const known = this.byKey.get(accessKeyId);
    if (known) return known;
    const session = this.sessions.get()[accessKeyId];
    if (!session) return undefined;
    return { secret: { secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken }, caller: session.caller };
  }

  /** The caller behind one of the long-term keys (`agent`: the first agent's). */
  keyCaller(holder: KeyHolder): KeyCaller {
    return this.byKey.get(this.keys[holder].accessKeyId)?.caller as KeyCaller;
  }

  /** Mints well-formed temporary credentials (`ASIA...`, a secret, a long session token) for a role session. */
  mint(input: MintInput): MintedCredentials {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(input.roleArn);
    if (!m) throw new Error(`Not a role ARN: ${input.roleArn}`);
    const [, accountId, roleName] = m;
    const accessKeyId = newAccessKeyId('ASIA');
    const roleId = stableId('AROA', input.roleArn);
    const caller: SessionCaller = {
      kind: 'session',
      accessKeyId,
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${input.sessionName}`,
      principalArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      roleName,
      sessionName: input.sessionName,
      userId: `${roleId}:${input.sessionName}`,
      ...(input.sourceIdentity ? { sourceIdentity: input.sourceIdentity } : {}),
      ...(input.sessionPolicy ? { sessionPolicy: input.sessionPolicy } : {}),
      issuedAt: input.issuedAt.toISOString(),
      expiresAt: input.expiresAt.toISOString(),
      issuedBy: input.issuedBy.accessKeyId,
    };
    const minted = {
      accessKeyId,
      secretAccessKey: newSecretAccessKey(),
      // Real session tokens are long opaque base64; the sandbox's carry nothing but randomness.
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(180).toString('base64')}`,
      caller,
    };
    const changed = [accessKeyId];
    this.sessions.update((all) => {
      all[accessKeyId] = { secretAccessKey: minted.secretAccessKey, sessionToken: minted.sessionToken, caller };
      // Sessions a day past their STS expiry can never sign again; forget them.
      const horizon = input.issuedAt.getTime() - 86_400_000;
      for (const [id, s] of Object.entries(all)) {
        if (Date.parse(s.caller.expiresAt) < horizon) {
          delete all[id];
          changed.push(id);
        }
      }
    }, changed);
    return minted;
  }
}
