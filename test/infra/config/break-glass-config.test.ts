import { loadConfigVariant as load, type RawConfig } from '../../helpers/config-variant';

const PRINCIPALS = { 'security-lead@example.com': ['arn:aws:iam::111111111111:user/security-lead'] };

describe('Config: roles[].breakGlass', () => {
  it('hands the break-glass roles and their maximum to the functions', () => {
    // Act
    const loaded = load((c) => {
      c.approval.iamPrincipals = PRINCIPALS;
      c.roles[0].breakGlass = { maxMinutes: 15 };
    });

    // Assess
    expect(loaded).toEqual({ settings: expect.objectContaining({ breakGlassRoles: { Ops: { maxMinutes: 15 } } }) });
  });

  it.each([
    ['more than the break-glass cap', (c: RawConfig) => { c.approval.iamPrincipals = PRINCIPALS; c.roles[1].breakGlass = { maxMinutes: 45 }; }, 'must be at most 30 (break-glass is short)'],
    ["more than the role's maximum", (c: RawConfig) => { c.approval.iamPrincipals = PRINCIPALS; c.roles[2].breakGlass = { maxMinutes: 10 }; }, "roles.2.breakGlass.maxMinutes: 10 is more than the role's maxMinutes (5)"],
    ['no IAM approver identities', (c: RawConfig) => { delete c.approval.iamPrincipals; c.roles[0].breakGlass = { maxMinutes: 15 }; }, 'roles.0.breakGlass: needs approval.iamPrincipals'],
    ['an unknown field', (c: RawConfig) => { c.approval.iamPrincipals = PRINCIPALS; c.roles[0].breakGlass = { maxMinutes: 15, selfApprove: true }; }, 'selfApprove'],
  ])('refuses %s', (_name, mutate, problem) => {
    // Act
    const loaded = load(mutate);

    // Assess
    expect('problems' in loaded ? loaded.problems.join('\n') : 'loaded').toContain(problem);
  });
});
