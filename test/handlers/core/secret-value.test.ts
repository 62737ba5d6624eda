import { PLACEHOLDER_SECRET_STRING, parseSecretValue } from '../../../handlers/core/secret-value';

const active = {
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  SecretAccessKey: 'secret',
  SessionToken: 'token',
  Expiration: '2026-11-28T10:05:00Z',
  GrantedFor: 'restart ECS service',
  GrantedMinutes: 5,
  GrantedAt: '2026-11-28T10:00:00Z',
  RoleName: 'AgentElevated-Ops',
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

  it('reads a grant whose duration is not a whole number of minutes as inactive', () => {
    expect(parseSecretValue(JSON.stringify({ ...active, GrantedMinutes: '5 minutes' }))).toEqual({ status: 'inactive' });
    expect(parseSecretValue(JSON.stringify({ ...active, GrantedMinutes: 0 }))).toEqual({ status: 'inactive' });
  });
});
