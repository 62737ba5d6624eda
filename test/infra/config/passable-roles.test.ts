import { accountConfigSchema, passableRoleSchema } from '../../../infra/config/jit-config';

describe('accounts[].passableRoles', () => {
  const valid = { roleName: 'service-role/orders-task', services: ['ecs-tasks.amazonaws.com'], reason: 'The orders service’s task role; it reads the orders table only.' };

  it('accepts a role with its path, its services and a reason', () => {
    expect(accountConfigSchema.parse({ id: '222222222222', name: 'prod', passableRoles: [valid] }).passableRoles).toEqual([valid]);
  });

  it.each([
    ['a broker role', { ...valid, roleName: 'jit-broker-mint' }, /must not name a broker or CDK bootstrap role/],
    ['a CDK bootstrap role behind a path', { ...valid, roleName: 'x/cdk-hnb659fds-cfn-exec-role-222222222222-eu-west-1' }, /must not name a broker or CDK bootstrap role/],
    ['no service', { ...valid, services: [] }, /services/],
    ['a service that is not a principal', { ...valid, services: ['ecs-tasks'] }, /must be a service principal/],
    ['no reason', { ...valid, reason: '' }, /reason/],
    ['an unknown field', { ...valid, services: ['lambda.amazonaws.com'], anyService: true }, /Unrecognized key/],
  ])('refuses %s', (_what, entry, message) => {
    const result = passableRoleSchema.safeParse(entry);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });

  it('refuses more than ten, which would crowd the ceiling', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ ...valid, roleName: `app-${i}` }));
    expect(accountConfigSchema.safeParse({ id: '222222222222', name: 'prod', passableRoles: many }).success).toBe(false);
  });
});
