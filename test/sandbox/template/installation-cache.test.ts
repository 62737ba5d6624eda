import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJitConfig } from '../../../infra/config/load-config';
import { cachedInstallation } from '../../../sandbox/template/installation';
import { EXAMPLE_CONFIG } from '../../helpers/synth';

describe('sandbox: the synthesized templates, cached in the home folder', () => {
  const home = mkdtempSync(join(tmpdir(), 'jit-synth-cache-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('reuses the templates while config and sources are the same, and synthesizes again when the config changes', () => {
    const loaded = loadJitConfig(EXAMPLE_CONFIG);
    const shared = join(home, 'shared');
    const first = cachedInstallation(loaded, join(home, 'one'), undefined, shared);
    const second = cachedInstallation(loaded, join(home, 'one'), undefined, shared);
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.broker).toEqual(first.broker);
    expect([...second.targets.keys()]).toEqual([...first.targets.keys()]);

    const changed = { ...loaded, config: { ...loaded.config, approval: { ...loaded.config.approval, windowMinutes: loaded.config.approval.windowMinutes + 1 } } };
    expect(cachedInstallation(changed, join(home, 'one'), undefined, shared).fromCache).toBe(false);

    // A new home (a fresh `npm start`) finds what npm install prepared in the shared folder.
    const fresh = cachedInstallation(loaded, join(home, 'two'), undefined, shared);
    expect(fresh.fromCache).toBe(true);
    expect(fresh.broker).toEqual(first.broker);
  }, 180_000);
});
