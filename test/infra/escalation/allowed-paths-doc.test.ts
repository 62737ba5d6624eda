import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadJitConfig } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

describe('docs/configuration.md: allowed escalation paths', () => {
  it("lists each of the example config's allowEscalation entries with its reason, and nothing else", () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
    const section = doc.slice(doc.indexOf('#### Allowed escalation paths'), doc.indexOf('#### The seed'));
    const rows = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| (.+?) \|$/gm)].map(([, role, path, reason]) => ({ role, path, reason }));
    const expected = loadJitConfig(EXAMPLE_CONFIG).config.roles.flatMap((role) => (role.allowEscalation ?? []).map((a) => ({ role: role.name, path: a.path, reason: a.reason })));
    expect(rows).toEqual(expected);
    if (expected.length === 0) expect(section).toContain('The example config keeps\nnone');
  });
});
