import { ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerVault } from '../../../handlers/adapters/aws/secrets-manager-vault';
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
  /** The account's current secret value, parsed. */
  readonly read: (accountId: string) => unknown;
  readonly versionCount: (accountId: string) => number;
  readonly close: () => void;
}

const ACCOUNT = '222222222222';
const NO_SECRET_ACCOUNT = '333333333333';

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'SecretsManagerVault over the Secrets Manager SDK fake',
    () => {
      const fake = new FakeSecretsManager();
      fake.create(secretNameFor(ACCOUNT), JSON.stringify(PLACEHOLDER_SECRET));
      return {
        vault: new SecretsManagerVault(new SecretsManagerClient({ region: 'eu-west-1' })),
        read: (accountId) => fake.read(secretNameFor(accountId)),
        versionCount: (accountId) => fake.versionCount(secretNameFor(accountId)),
        close: () => fake.restore(),
      };
    },
  ],
  [
    'InMemoryVault',
    () => {
      const vault = new InMemoryVault();
      vault.createSecret(ACCOUNT);
      return { vault, read: (accountId) => vault.read(accountId), versionCount: (accountId) => vault.versionCount(accountId), close: () => undefined };
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
    await vault.storeGrant(ACCOUNT, g);

    // Assess
    expect(await vault.currentVersion(ACCOUNT)).toEqual({ versionId: g.GrantId });
    expect(subject.read(ACCOUNT)).toEqual(g);
  });

  it('lets a newer grant win over the one before', async () => {
    // Prepare
    const older = grant('req-00000001', 'a');
    const newer = grant('req-00000002', 'b');

    // Act
    await vault.storeGrant(ACCOUNT, older);
    await vault.storeGrant(ACCOUNT, newer);

    // Assess
    expect(await vault.currentVersion(ACCOUNT)).toEqual({ versionId: newer.GrantId });
  });

  it('resets to the placeholder only while the expected version is current', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(ACCOUNT, g);

    // Act
    const outcome = await vault.resetIfCurrent(ACCOUNT, g.GrantId, RESET_TOKEN);

    // Assess
    expect(outcome).toBe('reset');
    expect(subject.read(ACCOUNT)).toEqual(PLACEHOLDER_SECRET);
    expect(await vault.currentVersion(ACCOUNT)).toEqual({ versionId: RESET_TOKEN });
  });

  it('treats the same reset token twice as one reset, without another version', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(ACCOUNT, g);
    await vault.resetIfCurrent(ACCOUNT, g.GrantId, RESET_TOKEN);
    const versions = subject.versionCount(ACCOUNT);

    // Act
    const again = await vault.resetIfCurrent(ACCOUNT, g.GrantId, RESET_TOKEN);

    // Assess
    expect(again).toBe('reset');
    expect(subject.versionCount(ACCOUNT)).toBe(versions);
  });

  it('refuses to reset over a newer grant, and leaves it current', async () => {
    // Prepare
    const older = grant('req-00000001', 'a');
    const newer = grant('req-00000002', 'b');
    await vault.storeGrant(ACCOUNT, older);
    await vault.storeGrant(ACCOUNT, newer);

    // Act
    const outcome = await vault.resetIfCurrent(ACCOUNT, older.GrantId, RESET_TOKEN);

    // Assess
    expect(outcome).toBe('conflict');
    expect(subject.read(ACCOUNT)).toEqual(newer);
  });

  it('fails with ResourceNotFoundException for an account without a secret, and writes nothing', async () => {
    // Assess
    await expect(vault.currentVersion(NO_SECRET_ACCOUNT)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(vault.storeGrant(NO_SECRET_ACCOUNT, grant('req-00000001', 'a'))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(vault.resetIfCurrent(NO_SECRET_ACCOUNT, 'v', RESET_TOKEN)).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(subject.read(ACCOUNT)).toEqual(PLACEHOLDER_SECRET);
  });
});
