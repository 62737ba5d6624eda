import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/synth';

/**
 * The test tree mirrors the source tree (docs/testing.md, "Where a test lives"): the tests of
 * `handlers/use-cases/decide-request.ts` are in `test/handlers/use-cases/decide-request.test.ts`, so a
 * reader finds a module's tests without searching. Folders that hold no source of their own are listed
 * here, each with the reason.
 */
const OWN_FOLDERS: ReadonlyArray<{ readonly folder: string; readonly why: string }> = [
  { folder: 'architecture', why: 'checks over the whole repository (this file, import boundaries)' },
  { folder: 'browser', why: 'the review page in a real Chromium' },
  { folder: 'fakes', why: 'SDK-boundary fakes shared by tests' },
  { folder: 'helpers', why: 'fixtures, harnesses and in-memory port fakes shared by tests' },
  { folder: 'infra/iam', why: 'IAM properties of the synthesized stacks, evaluated with the simulator across constructs' },
  { folder: 'live', why: 'the opt-in test against a real AWS account' },
  { folder: 'seed', why: "the blog's scripts, run unchanged" },
  { folder: 'setup', why: 'jest global setup, polyfills and matchers' },
  { folder: 'types', why: 'type declarations for untyped packages' },
];

/** Test-file names that say the file checks one whole process rather than one module. */
const END_TO_END = /\.e2e\.test\.ts$|\.live\.test\.ts$/;

const SOURCE_ROOTS = ['bench', 'bin', 'cli', 'handlers', 'infra', 'sandbox', 'workflows'] as const;

function filesUnder(folder: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules') walk(path);
      } else if (keep(name)) out.push(relative(REPO_ROOT, path));
    }
  };
  walk(join(REPO_ROOT, folder));
  return out;
}

function ownFolderOf(testFolder: string): string | undefined {
  return OWN_FOLDERS.find(({ folder }) => testFolder === folder || testFolder.startsWith(`${folder}/`))?.folder;
}

/** Source modules by file name without extension (`decide-request` → `handlers/use-cases`). */
function sourceFoldersByModule(): Map<string, string[]> {
  const byModule = new Map<string, string[]>();
  for (const root of SOURCE_ROOTS) {
    for (const file of filesUnder(root, (name) => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))) {
      const module = basename(file).replace(/\.(ts|js)$/, '');
      byModule.set(module, [...(byModule.get(module) ?? []), dirname(file)]);
    }
  }
  return byModule;
}

const TEST_FILES = filesUnder('test', (name) => name.endsWith('.test.ts')).map((file) => relative('test', file));

describe('Test tree', () => {
  it('finds the test files', () => {
    // Assess
    expect(TEST_FILES.length).toBeGreaterThan(90);
    expect(TEST_FILES).toContain('architecture/test-tree.test.ts');
  });

  it("puts every test file in a folder that mirrors a source folder, or in one of the test tree's own folders", () => {
    // Prepare
    const misplaced: string[] = [];

    // Act
    for (const file of TEST_FILES) {
      const folder = dirname(file);
      if (ownFolderOf(folder) !== undefined) continue;
      if (!existsSync(join(REPO_ROOT, folder)) || !statSync(join(REPO_ROOT, folder)).isDirectory()) misplaced.push(`test/${file}`);
    }

    // Assess
    expect(misplaced).toEqual([]);
  });

  it('puts a test named after a source module next to where that module lives', () => {
    // Prepare
    const modules = sourceFoldersByModule();
    const misplaced: string[] = [];

    // Act
    for (const file of TEST_FILES) {
      const folder = dirname(file);
      if (ownFolderOf(folder) !== undefined || END_TO_END.test(file)) continue;
      const homes = modules.get(basename(file, '.test.ts'));
      if (homes !== undefined && !homes.includes(folder)) misplaced.push(`test/${file} (source in ${homes.join(', ')})`);
    }

    // Assess
    expect(misplaced).toEqual([]);
  });

  it('lists only own folders that exist and hold no source of the same path', () => {
    // Assess
    for (const { folder } of OWN_FOLDERS) {
      expect(existsSync(join(REPO_ROOT, 'test', folder))).toBe(true);
      expect(existsSync(join(REPO_ROOT, folder))).toBe(false);
    }
  });
});
