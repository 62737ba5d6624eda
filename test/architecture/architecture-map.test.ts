import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/synth';

/**
 * docs/architecture.md names every source file of the layered folders by its path, so a newcomer finds what
 * a file is for without opening it ("Every file"). A new file there needs its line in the doc.
 */
const MAPPED_FOLDERS = [
  'handlers/core',
  'handlers/ports',
  'handlers/adapters/aws',
  'handlers/use-cases',
  'handlers/functions',
  'handlers/http',
  'infra/constructs',
  'cli/commands',
  'sandbox',
] as const;

function sourceFilesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(REPO_ROOT, path).split('\\').join('/'));
    }
  };
  walk(join(REPO_ROOT, folder));
  return out.sort();
}

describe('docs/architecture.md', () => {
  it('names every source file of the mapped folders by its path', () => {
    // Prepare
    const doc = readFileSync(join(REPO_ROOT, 'docs/architecture.md'), 'utf8');
    const files = MAPPED_FOLDERS.flatMap(sourceFilesUnder);

    // Act
    const unnamed = files.filter((file) => !doc.includes(`\`${file}\``));

    // Assess
    expect(files.length).toBeGreaterThan(100);
    expect(unnamed).toEqual([]);
  });
});
