import { loadConfigVariant as load } from '../../helpers/config-variant';

describe('Config: notifications', () => {
  it('hands beforeExpiryMinutes to the functions, 5 when the object leaves it out', () => {
    // Act
    const set = load((c) => {
      c.notifications = { beforeExpiryMinutes: 10 };
    });
    const defaulted = load((c) => {
      c.notifications = {};
    });

    // Assess
    expect(set).toMatchObject({ settings: { beforeExpiryMinutes: 10 } });
    expect(defaulted).toMatchObject({ settings: { beforeExpiryMinutes: 5 } });
  });

  it('leaves the settings without it when the config has none (the notify function applies the default)', () => {
    const loaded = load(() => undefined);
    expect('settings' in loaded && loaded.settings.beforeExpiryMinutes).toBeUndefined();
  });

  it('takes 0: notices off', () => {
    const loaded = load((c) => {
      c.notifications = { beforeExpiryMinutes: 0 };
    });
    expect(loaded).toMatchObject({ settings: { beforeExpiryMinutes: 0 } });
  });

  it('refuses minutes no grant could have its notice within: not less than the longest role maximum', () => {
    // Act: the example's longest role allows 60 minutes; cap the roles at 30 instead.
    const loaded = load((c) => {
      c.roles = c.roles.map((r) => ({ ...r, maxMinutes: Math.min(Number(r.maxMinutes), 30), defaultMinutes: Math.min(Number(r.defaultMinutes), 30) }));
      c.notifications = { beforeExpiryMinutes: 30 };
    });

    // Assess
    expect(loaded).toEqual({
      problems: [expect.stringMatching(/^notifications\.beforeExpiryMinutes: 30 is not less than the longest role maximum \(30 minutes, role \w+\), so no grant would ever get its notice; use fewer minutes, or 0 to turn notices off$/)],
    });
  });

  it.each([[{ beforeExpiryMinutes: 60 }], [{ beforeExpiryMinutes: -1 }], [{ beforeExpiryMinutes: 2.5 }], [{ atMinutes: 5 }]])('refuses %j', (notifications) => {
    const loaded = load((c) => {
      c.notifications = notifications;
    });
    expect(loaded).toMatchObject({ problems: [expect.stringContaining('notifications')] });
  });
});
