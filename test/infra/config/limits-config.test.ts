import { loadConfigVariant as load } from '../../helpers/config-variant';

describe('Config: limits', () => {
  it('hands the limits to the functions, a missing field taking its default', () => {
    // Act
    const loaded = load((c) => {
      c.limits = { pendingPerAgent: 3 };
    });

    // Assess
    expect(loaded).toMatchObject({ settings: { requestLimits: { pendingPerAgent: 3, requestsPerHourPerAgent: 20 } } });
  });

  it('leaves the settings without limits when the config has none (Register applies the defaults)', () => {
    const loaded = load(() => undefined);
    expect('settings' in loaded && loaded.settings.requestLimits).toBeUndefined();
  });

  it.each([[{ pendingPerAgent: 0 }], [{ requestsPerHourPerAgent: 1.5 }], [{ perMinute: 3 }]])('refuses %j', (limits) => {
    const loaded = load((c) => {
      c.limits = limits;
    });
    expect(loaded).toMatchObject({ problems: [expect.stringContaining('limits')] });
  });
});
