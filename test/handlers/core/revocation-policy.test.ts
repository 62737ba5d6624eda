import { REVOCATION_POLICY_PREFIX, revocationPolicy, revocationPolicyName } from '../../../handlers/core/revocation-policy';
import { sourceIdentityFor } from '../../../handlers/core/grant-window';

describe('revocationPolicy', () => {
  it('denies everything to the sessions carrying the grant’s SourceIdentity', () => {
    const { document } = revocationPolicy(sourceIdentityFor('req-revoke-0001'));
    expect(JSON.parse(document)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'JitRevokedSession',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceIdentity': 'jit-req-revoke-0001' } },
        },
      ],
    });
  });

  it('names one inline policy per request, within IAM’s 128-character policy names', () => {
    const longest = sourceIdentityFor('a'.repeat(36));
    expect(revocationPolicyName(sourceIdentityFor('req-revoke-0001'))).toBe(`${REVOCATION_POLICY_PREFIX}req-revoke-0001`);
    expect(revocationPolicyName(longest).length).toBeLessThanOrEqual(128);
    expect(revocationPolicyName(longest)).toMatch(/^[\w+=,.@-]+$/);
  });

  it('stays small enough for many revocations within a role’s 10,240 characters of inline policy', () => {
    const { document } = revocationPolicy(sourceIdentityFor('a'.repeat(36)));
    expect(document.length).toBeLessThan(250);
  });

  it.each(['', 'jit-', 'jit-short', 'other-req-revoke-0001', 'jit-req revoke 0001', 'jit-"},{"Effect":"Allow'])(
    'refuses %j, which is not a broker SourceIdentity',
    (sourceIdentity) => {
      expect(() => revocationPolicy(sourceIdentity)).toThrow(/needs a broker SourceIdentity/);
    },
  );
});
