import { checkGrantTerms } from '../../../handlers/core/grant-terms';
import type { BrokerSettings } from '../../../handlers/core/broker-settings';

const settings: BrokerSettings = {
  accounts: [
    {
      id: '222222222222',
      name: 'prod',
      roles: [
        { name: 'Ops', iamRoleName: 'AgentElevated-Ops', defaultMinutes: 15, maxMinutes: 30 },
        { name: 'Deploy', iamRoleName: 'AgentElevated-Deploy', defaultMinutes: 30, maxMinutes: 60 },
      ],
    },
  ],
  approvalWindowMinutes: 30,
  approvers: ['lead@example.com'],
  sender: 'jit@example.com',
  auditRegions: ['eu-west-1'],
  auditDelayMinutes: 5,
  auditMaxLagMinutes: 30,
};

describe('checkGrantTerms', () => {
  it.each([
    ['the account by name', { account: 'prod', role: 'Ops', minutes: 30 }],
    ['the account by id', { account: '222222222222', role: 'Ops', minutes: 1 }],
    ['the role by its IAM role name', { account: 'prod', role: 'AgentElevated-Deploy', minutes: 60 }],
  ])('accepts %s, with the minutes up to the role maximum', (_name, asked) => {
    const check = checkGrantTerms(settings, asked);
    expect(check).toMatchObject({ ok: true, account: { id: '222222222222' }, minutes: asked.minutes });
  });

  it.each([
    ['an unknown account', { account: 'dev', role: 'Ops', minutes: 5 }, ['account: "dev" is not a configured account']],
    ['a role not configured for the account', { account: 'prod', role: 'Admin', minutes: 5 }, ['role: "Admin" is not configured for account prod (allowed: Ops, Deploy)']],
    ['minutes above the role maximum', { account: 'prod', role: 'Ops', minutes: 31 }, ['minutes: 31 is more than the 30 allowed for role Ops']],
    ['zero minutes', { account: 'prod', role: 'Ops', minutes: 0 }, ['minutes: must be at least 1']],
    ['negative minutes', { account: 'prod', role: 'Ops', minutes: -5 }, ['minutes: must be at least 1']],
    ['a fraction of a minute', { account: 'prod', role: 'Ops', minutes: 1.5 }, ['minutes: must be a whole number']],
    [
      'an unknown account and bad minutes, both at once',
      { account: 'dev', role: 'Ops', minutes: 0 },
      ['account: "dev" is not a configured account', 'minutes: must be at least 1'],
    ],
    [
      'an unknown role and a fraction, both at once',
      { account: 'prod', role: 'Admin', minutes: 2.5 },
      ['role: "Admin" is not configured for account prod (allowed: Ops, Deploy)', 'minutes: must be a whole number'],
    ],
  ])('refuses %s', (_name, asked, problems) => {
    expect(checkGrantTerms(settings, asked)).toEqual({ ok: false, problems });
  });

  it('judges the maximum by the role asked for, not by the largest in the account', () => {
    expect(checkGrantTerms(settings, { account: 'prod', role: 'Deploy', minutes: 45 }).ok).toBe(true);
    expect(checkGrantTerms(settings, { account: 'prod', role: 'Ops', minutes: 45 }).ok).toBe(false);
  });
});
