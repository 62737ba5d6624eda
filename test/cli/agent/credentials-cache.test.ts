import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsCache } from '../../../cli/agent/credentials-cache';
import { type ActiveSecret, activeSecretSchema } from '../../../handlers/core/secret-value';

describe('CredentialsCache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jit-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands back every field of the secret it cached, as the secret schema defines them', () => {
    // Prepare: a secret with every field the schema has (the cache checks fields by hand, off zod).
    const now = new Date('2026-03-01T10:00:30Z');
    const secret: ActiveSecret = {
      AccessKeyId: 'ASIACACHE00000000001',
      SecretAccessKey: 'cache-secret',
      SessionToken: 'cache-token',
      Expiration: '2026-03-01T10:15:00Z',
      GrantedFor: 'restart ECS service',
      GrantedAt: '2026-03-01T10:00:00Z',
      RoleName: 'AgentElevated-Ops',
      GrantedMinutes: 15,
      RequestId: 'req-cache-0001',
      GrantId: `req-cache-0001-${'c'.repeat(24)}`,
    };
    expect(Object.keys(secret).sort()).toEqual(Object.keys(activeSecretSchema.shape).sort());
    const cache = new CredentialsCache({ dir: join(dir, 'cache') });

    // Act
    cache.write('111111111111', '222222222222', secret, now);
    const read = cache.read('111111111111', '222222222222', now);

    // Assess
    expect(read).toEqual(secret);
  });
});
