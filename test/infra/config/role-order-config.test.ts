import { loadConfigVariant as load, type RawConfig } from '../../helpers/config-variant';

describe('Config: roles[].narrowerThan', () => {
  it('hands the declared order to the functions; the example declares none (no seed role is a subset of another)', () => {
    const loaded = load((c) => {
      c.roles[0].narrowerThan = ['Security'];
    });

    expect(loaded).toEqual({ settings: expect.objectContaining({ roleOrder: { Ops: ['Security'] } }) });
    expect(load(() => undefined)).toEqual({ settings: expect.not.objectContaining({ roleOrder: expect.anything() }) });
  });

  it.each([
    ['an unknown role', (c: RawConfig) => (c.roles[0].narrowerThan = ['Admin']), 'roles.0.narrowerThan: unknown role "Admin" (configured: Ops, Deploy, Security)'],
    ['the role itself', (c: RawConfig) => (c.roles[1].narrowerThan = ['Deploy']), 'roles.1.narrowerThan: names the role itself; a role cannot be narrower than itself'],
    [
      'a cycle',
      (c: RawConfig) => {
        c.roles[0].narrowerThan = ['Deploy'];
        c.roles[1].narrowerThan = ['Ops'];
      },
      'roles.0.narrowerThan: makes a cycle: through Deploy, Ops the role ends up narrower than itself',
    ],
  ])('refuses %s, naming the field', (_case, mutate, message) => {
    expect(load(mutate)).toEqual({ problems: expect.arrayContaining([message]) });
  });
});
