import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../cli/main';
import { EXIT } from '../../cli/exit-codes';
import { REPO_ROOT } from '../helpers/synth';

/** docs/cli.md is where a newcomer learns the commands and the exit codes scripts branch on. */
describe('docs/cli.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/cli.md'), 'utf8');

  it('has a section for every command of cli/main.ts', () => {
    // Prepare
    const names = COMMANDS.map((c) => c.name);

    // Act
    const missing = names.filter((name) => !new RegExp(`^### \`jit ${name}( |\`)`, 'm').test(doc));

    // Assess
    expect(names.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('lists every exit code of cli/exit-codes.ts with its number and name, in order', () => {
    // Prepare
    const expected = Object.entries(EXIT).map(([name, code]) => `| ${code} | \`${name}\` |`);

    // Act
    const rows = doc.split('\n').filter((line) => /^\| \d+ \| `[A-Z_]+` \|/.test(line)).map((line) => /^\| \d+ \| `[A-Z_]+` \|/.exec(line)![0]);

    // Assess
    expect(rows).toEqual(expected);
  });
});
