import { PLACEHOLDER_SECRET_STRING, grantedForText, parseSecretValue } from '../../../handlers/core/secret-value';

const active = {
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  SecretAccessKey: 'secret',
  SessionToken: 'token',
  Expiration: '2026-11-28T10:05:00Z',
  GrantedFor: '5 minutes',
  GrantedAt: '2026-11-28T10:00:00Z',
  RoleName: 'jit-elevated-ops',
  RequestId: 'req-00000001',
  GrantId: 'req-00000001-aaaaaaaaaaaaaaaaaaaaaaaa',
};

describe('parseSecretValue', () => {
  it('reads the placeholder as inactive', () => {
    expect(PLACEHOLDER_SECRET_STRING).toBe('{"status":"inactive"}');
    expect(parseSecretValue(PLACEHOLDER_SECRET_STRING)).toEqual({ status: 'inactive' });
  });

  it('reads a complete grant as active', () => {
    expect(parseSecretValue(JSON.stringify(active))).toEqual({ status: 'active', value: active });
  });

  it('treats anything incomplete or malformed as inactive', () => {
    const { SessionToken: _dropped, ...incomplete } = active;
    expect(parseSecretValue(JSON.stringify(incomplete))).toEqual({ status: 'inactive' });
    expect(parseSecretValue('not json')).toEqual({ status: 'inactive' });
    expect(parseSecretValue(undefined)).toEqual({ status: 'inactive' });
  });

  it('says the duration in words', () => {
    expect(grantedForText(1)).toBe('1 minute');
    expect(grantedForText(15)).toBe('15 minutes');
  });
});
