import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/synth';

/**
 * What each folder may import (docs/architecture.md, "Map"). A functional core with thin shells only
 * holds while nothing in the core reaches for a shell; this test reads every import and fails on one that
 * crosses a line. Local modules are named by their path from the repository root, packages by name.
 */
interface Rule {
  readonly folder: string;
  /** Everything imported must start with one of these. */
  readonly only?: readonly string[];
  /** Nothing imported may start with one of these (checked after `except`). */
  readonly never?: readonly string[];
  /** Imports allowed although `never` would match, each with the reason in docs/architecture.md. */
  readonly except?: readonly string[];
}

const RULES: readonly Rule[] = [
  { folder: 'handlers/core/', only: ['handlers/core/', 'zod', 'node:crypto'] },
  { folder: 'handlers/ports/', only: ['handlers/core/', 'handlers/ports/'] },
  { folder: 'handlers/use-cases/', only: ['handlers/core/', 'handlers/ports/', 'handlers/use-cases/', 'zod'] },
  { folder: 'handlers/http/', only: ['handlers/core/', 'handlers/ports/', 'handlers/use-cases/', 'handlers/http/', 'aws-lambda', 'zod'] },
  { folder: 'handlers/', never: ['cli/', 'sandbox/', 'infra/', 'workflows/', 'test/', 'bench/', 'aws-cdk-lib', 'constructs'] },
  { folder: 'workflows/', never: ['cli/', 'sandbox/', 'infra/', 'test/', 'bench/'] },
  // The escalation lint decides "closed" with the same policy evaluator and request contexts (and reads the
  // synthesized stacks with the sandbox's template reader).
  {
    folder: 'infra/',
    never: ['cli/', 'sandbox/', 'test/', 'bench/'],
    except: ['sandbox/iam/policy-evaluator', 'sandbox/iam/request-context', 'sandbox/template/deployed-template'],
  },
  // `jit doctor` evaluates a deployed trust policy offline with the sandbox's policy evaluator.
  { folder: 'cli/', never: ['sandbox/', 'workflows/', 'test/', 'bench/', 'aws-cdk-lib'], except: ['sandbox/iam/policy-evaluator', 'sandbox/iam/request-context'] },
  { folder: 'sandbox/', never: ['cli/', 'test/', 'bench/'] },
];

function sourceFiles(folder: string): string[] {
  const root = join(REPO_ROOT, folder);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(path);
    }
  };
  walk(root);
  return out;
}

/** Every module a file imports, requires or loads lazily: local ones as repository paths, packages by name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]);
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? relative(REPO_ROOT, resolve(dirname(file), specifier)) : specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0],
  );
}

function violations(rule: Rule): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(rule.folder)) {
    for (const imported of importsOf(file)) {
      const allowedByOnly = !rule.only || rule.only.some((prefix) => imported.startsWith(prefix));
      const excepted = rule.except?.some((prefix) => imported.startsWith(prefix)) ?? false;
      const forbidden = !excepted && (rule.never?.some((prefix) => imported.startsWith(prefix)) ?? false);
      if (!allowedByOnly || forbidden) found.push(`${relative(REPO_ROOT, file)} imports ${imported}`);
    }
  }
  return found;
}

describe('Architecture: what each folder may import', () => {
  it.each(RULES.map((rule) => [rule.folder, rule] as const))('%s keeps to its imports', (_folder, rule) => {
    expect(violations(rule)).toEqual([]);
  });

  it('sees the imports it checks (a rule that reads nothing proves nothing)', () => {
    const core = sourceFiles('handlers/core/').flatMap(importsOf);
    expect(core).toContain('zod');
    expect(core.some((i) => i.startsWith('handlers/core/'))).toBe(true);
    expect(sourceFiles('cli/').flatMap(importsOf)).toContain('commander');
  });
});
