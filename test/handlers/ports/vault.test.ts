import { ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerVault } from '../../../handlers/adapters/aws/secrets-manager-vault';
import { agentSecretName } from '../../../handlers/core/agents';
import { restampedVersionId } from '../../../handlers/core/grant-window';
import { secretNameFor } from '../../../handlers/core/resource-names';
import { PLACEHOLDER_SECRET, type ActiveSecret } from '../../../handlers/core/secret-value';
import type { Vault } from '../../../handlers/ports/vault';
import { FakeSecretsManager } from '../../fakes/fake-secrets-manager';
import { InMemoryVault } from '../../fakes/ports/in-memory-vault';

/**
 * The vault's contract (`handlers/ports/vault.ts`), run against both implementations: the Secrets
 * Manager adapter over the stateful SDK fake, and the in-memory fake use-case tests rely on.
 */
interface Subject {
  readonly vault: Vault;
  /** The secret's current value, parsed. */
  readonly read: (secretName: string) => unknown;
  readonly versionCount: (secretName: string) => number;
  readonly close: () => void;
}

const ACCOUNT = '222222222222';
/** The first agent's secret in the account, with the seed's name. */
const NAME = secretNameFor(ACCOUNT);
/** Another agent's secret in the same account. */
const OTHER_AGENT_NAME = agentSecretName({ id: 'ops-bot', primary: false }, ACCOUNT);
const NO_SECRET_NAME = secretNameFor('333333333333');

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'SecretsManagerVault over the Secrets Manager SDK fake',
    () => {
      const fake = new FakeSecretsManager();
      fake.create(NAME, JSON.stringify(PLACEHOLDER_SECRET));
      fake.create(OTHER_AGENT_NAME, JSON.stringify(PLACEHOLDER_SECRET));
      return {
        vault: new SecretsManagerVault(new SecretsManagerClient({ region: 'eu-west-1' })),
        read: (secretName) => fake.read(secretName),
        versionCount: (secretName) => fake.versionCount(secretName),
        close: () => fake.restore(),
      };
    },
  ],
  [
    'InMemoryVault',
    () => {
      const vault = new InMemoryVault();
      vault.createSecret(NAME);
      vault.createSecret(OTHER_AGENT_NAME);
      return { vault, read: (secretName) => vault.read(secretName), versionCount: (secretName) => vault.versionCount(secretName), close: () => undefined };
    },
  ],
];

const grant = (requestId: string, suffix: string): ActiveSecret => ({
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  SecretAccessKey: 's',
  SessionToken: 't',
  Expiration: '2026-11-28T10:05:00Z',
  GrantedFor: 'restart ECS service',
  GrantedMinutes: 5,
  GrantedAt: '2026-11-28T10:00:00Z',
  RoleName: 'AgentElevated-Ops',
  RequestId: requestId,
  GrantId: `${requestId}-${suffix.repeat(24)}`,
});

const RESET_TOKEN = `reset-${'1'.repeat(40)}`;

describe.each(IMPLEMENTATIONS)('Vault contract: %s', (_name, open) => {
  let subject: Subject;
  let vault: Vault;
  beforeEach(() => {
    subject = open();
    vault = subject.vault;
  });
  afterEach(() => subject.close());

  it('makes a stored grant the current value, as the version named by its grant id', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');

    // Act
    await vault.storeGrant(NAME, g);

    // Assess
    expect(await vault.currentVersion(NAME)).toEqual({ versionId: g.GrantId });
    expect(subject.read(NAME)).toEqual(g);
  });

  it('lets a newer grant win over the one before', async () => {
    // Prepare
    const older = grant('req-00000001', 'a');
    const newer = grant('req-00000002', 'b');

    // Act
    await vault.storeGrant(NAME, older);
    await vault.storeGrant(NAME, newer);

    // Assess
    expect(await vault.currentVersion(NAME)).toEqual({ versionId: newer.GrantId });
  });

  it('resets to the placeholder only while the expected version is current', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);

    // Act
    const outcome = await vault.resetIfCurrent(NAME, g.GrantId, RESET_TOKEN);

    // Assess
    expect(outcome).toBe('reset');
    expect(subject.read(NAME)).toEqual(PLACEHOLDER_SECRET);
    expect(await vault.currentVersion(NAME)).toEqual({ versionId: RESET_TOKEN });
  });

  it('treats the same reset token twice as one reset, without another version', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);
    await vault.resetIfCurrent(NAME, g.GrantId, RESET_TOKEN);
    const versions = subject.versionCount(NAME);

    // Act
    const again = await vault.resetIfCurrent(NAME, g.GrantId, RESET_TOKEN);

    // Assess
    expect(again).toBe('reset');
    expect(subject.versionCount(NAME)).toBe(versions);
  });

  it('refuses to reset over a newer grant, and leaves it current', async () => {
    // Prepare
    const older = grant('req-00000001', 'a');
    const newer = grant('req-00000002', 'b');
    await vault.storeGrant(NAME, older);
    await vault.storeGrant(NAME, newer);

    // Act
    const outcome = await vault.resetIfCurrent(NAME, older.GrantId, RESET_TOKEN);

    // Assess
    expect(outcome).toBe('conflict');
    expect(subject.read(NAME)).toEqual(newer);
  });

  it('replaces a grant with its restamped version only while the grant is current, once per version id', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);
    const restamped = { ...g, GrantedAt: '2026-11-28T10:00:03Z', Expiration: '2026-11-28T10:05:03Z' };

    // Act
    const outcome = await vault.replaceGrantIfCurrent(NAME, g.GrantId, restamped, restampedVersionId(g.GrantId));
    const versions = subject.versionCount(NAME);
    const again = await vault.replaceGrantIfCurrent(NAME, g.GrantId, restamped, restampedVersionId(g.GrantId));

    // Assess
    expect([outcome, again]).toEqual(['replaced', 'replaced']);
    expect(subject.read(NAME)).toEqual(restamped);
    expect(await vault.currentVersion(NAME)).toEqual({ versionId: restampedVersionId(g.GrantId) });
    expect(subject.versionCount(NAME)).toBe(versions);
  });

  it('never restamps over a reset: the placeholder stays current', async () => {
    // Prepare: the agent ended the grant between the write and its restamp.
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);
    await vault.resetIfCurrent(NAME, g.GrantId, RESET_TOKEN);

    // Act
    const outcome = await vault.replaceGrantIfCurrent(NAME, g.GrantId, { ...g, GrantedAt: '2026-11-28T10:00:03Z' }, restampedVersionId(g.GrantId));

    // Assess
    expect(outcome).toBe('conflict');
    expect(subject.read(NAME)).toEqual(PLACEHOLDER_SECRET);
    expect(await vault.currentVersion(NAME)).toEqual({ versionId: RESET_TOKEN });
  });

  it('fails with ResourceNotFoundException for a name without a secret, and writes nothing', async () => {
    // Assess
    await expect(vault.currentVersion(NO_SECRET_NAME)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(vault.storeGrant(NO_SECRET_NAME, grant('req-00000001', 'a'))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(vault.resetIfCurrent(NO_SECRET_NAME, 'v', RESET_TOKEN)).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(subject.read(NAME)).toEqual(PLACEHOLDER_SECRET);
  });

  it("keeps each agent's secret in an account apart: a grant and a reset under one name leave the other alone", async () => {
    // Prepare
    const mine = grant('req-00000001', 'a');
    const theirs = grant('req-00000002', 'b');
    await vault.storeGrant(OTHER_AGENT_NAME, theirs);

    // Act
    await vault.storeGrant(NAME, mine);
    const outcome = await vault.resetIfCurrent(NAME, mine.GrantId, RESET_TOKEN);

    // Assess
    expect(outcome).toBe('reset');
    expect(subject.read(NAME)).toEqual(PLACEHOLDER_SECRET);
    expect(subject.read(OTHER_AGENT_NAME)).toEqual(theirs);
    expect(await vault.currentVersion(OTHER_AGENT_NAME)).toEqual({ versionId: theirs.GrantId });
  });
});
