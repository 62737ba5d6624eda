import { loadConfigVariant as load, type RawConfig } from '../../helpers/config-variant';

const RULE = { name: 'read-only-ops', roles: ['Ops'], maxMinutes: 15, timeZone: 'Europe/Berlin', windows: [{ days: ['Mon'], from: '08:00', to: '18:00' }] };

describe('Config: approval.rules and roles[].humanOnly', () => {
  it('hands the rules (actions default read-only) and the humanOnly roles to the functions', () => {
    const loaded = load((c) => {
      c.approval.rules = [RULE];
      c.roles[2].humanOnly = true;
    });
    expect(loaded).toEqual({ settings: expect.objectContaining({ approvalRules: [{ ...RULE, actions: 'read-only' }], humanOnlyRoles: ['Security'] }) });
  });

  it.each([
    ['a rule naming a humanOnly role', (c: RawConfig) => { c.roles[2].humanOnly = true; c.approval.rules = [{ ...RULE, roles: ['Security'], maxMinutes: 5 }]; }, 'approval.rules.0.roles.0: role Security is humanOnly; no rule may approve it'],
    ['an unknown role', (c: RawConfig) => { c.approval.rules = [{ ...RULE, roles: ['Admin'] }]; }, 'approval.rules.0.roles.0: unknown role "Admin" (configured: Ops, Deploy, Security)'],
    ['an unknown account', (c: RawConfig) => { c.approval.rules = [{ ...RULE, accounts: ['dev'] }]; }, 'approval.rules.0.accounts.0: unknown account "dev" (configured: prod, staging)'],
    ['more minutes than the role', (c: RawConfig) => { c.approval.rules = [{ ...RULE, maxMinutes: 45 }]; }, 'approval.rules.0.maxMinutes: 45 is more than the 30 allowed for role Ops'],
    ['two rules of one name', (c: RawConfig) => { c.approval.rules = [RULE, RULE]; }, 'approval.rules.1.name: the same name as approval.rules.0.name. Received: "read-only-ops"'],
    ['an unknown time zone', (c: RawConfig) => { c.approval.rules = [{ ...RULE, timeZone: 'Mars/Olympus' }]; }, 'approval.rules.0.timeZone: must be an IANA time zone such as Europe/Berlin. Received: "Mars/Olympus"'],
    ['a window over midnight', (c: RawConfig) => { c.approval.rules = [{ ...RULE, windows: [{ days: ['Mon'], from: '22:00', to: '06:00' }] }]; }, 'approval.rules.0.windows.0: from must be before to (split a window over midnight in two). Received: {"days":["Mon"],"from":"22:00","to":"06:00"}'],
    ['a wildcard action', (c: RawConfig) => { c.approval.rules = [{ ...RULE, actions: ['ec2:Describe*'] }]; }, 'approval.rules.0.actions.0: must be an IAM action such as ec2:DescribeInstances (no wildcard). Received: "ec2:Describe*"'],
  ])('refuses %s, naming the field', (_case, mutate, message) => {
    expect(load(mutate)).toEqual({ problems: expect.arrayContaining([message]) });
  });
});
