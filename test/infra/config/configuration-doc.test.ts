import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { jitConfigSchema } from '../../../infra/config/jit-config';
import { REPO_ROOT } from '../../helpers/synth';

/**
 * docs/configuration.md documents every field of the config schema, and no field the schema does not
 * have. Top-level fields have a heading of their own (`### \`audit\``); nested fields are named in code
 * spans of their section's tables.
 */
interface Field {
  readonly path: readonly string[];
}

/** Every field of an object schema, its nested objects' fields included, through optional, default, array, union. */
function fieldsOf(schema: z.core.$ZodType, path: readonly string[] = []): Field[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape as Record<string, z.core.$ZodType>).flatMap(([key, value]) => [{ path: [...path, key] }, ...fieldsOf(value, [...path, key])]);
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
      return fieldsOf(def.innerType as z.core.$ZodType, path);
    case 'array':
      return fieldsOf(def.element as z.core.$ZodType, path);
    case 'union':
      return (def.options as z.core.$ZodType[]).flatMap((option) => fieldsOf(option, path));
    case 'pipe':
      return fieldsOf(def.in as z.core.$ZodType, path);
    default:
      return [];
  }
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
  const fieldsSection = doc.slice(doc.indexOf('\n## Fields'), doc.indexOf('\n## Limits'));
  const prose = fieldsSection.replace(/^```[\s\S]*?^```/gm, '');
  const codeWords = new Set([...prose.matchAll(/`([^`\n]+)`/g)].flatMap((m) => m[1]!.match(/[A-Za-z]+/g) ?? []));
  const fields = fieldsOf(jitConfigSchema);

  it('has a heading for every top-level field of the schema', () => {
    // Prepare
    const topLevel = [...new Set(fields.filter((f) => f.path.length === 1).map((f) => f.path[0]!))];

    // Act
    const missing = topLevel.filter((key) => !new RegExp(`^###+ \`${key}(\\[\\])?\``, 'm').test(fieldsSection));

    // Assess
    expect(topLevel.length).toBeGreaterThan(8);
    expect(missing).toEqual([]);
  });

  it('names every nested field of the schema', () => {
    // Prepare
    const nested = [...new Set(fields.filter((f) => f.path.length > 1).map((f) => f.path.join('.')))];

    // Act
    const missing = nested.filter((path) => !codeWords.has(path.split('.').pop()!));

    // Assess
    expect(nested.length).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });

  it('documents no field the schema does not have', () => {
    // Prepare
    const known = new Set(fields.flatMap((f) => f.path));
    // The first column of every `| Field | Rule | Meaning |` table (the seed's roles table lists roles, not fields).
    const documented: string[] = [];
    let inFieldTable = false;
    for (const line of fieldsSection.split('\n')) {
      if (!line.startsWith('|')) inFieldTable = false;
      else if (line.startsWith('| Field |')) inFieldTable = true;
      else if (inFieldTable) documented.push(...(/^\| `([A-Za-z.[\]]+)` \|/.exec(line)?.slice(1) ?? []));
    }

    // Act
    const unknown = documented.filter((name) => !name.split('.').every((part) => known.has(part.replace(/\[\]$/, ''))));

    // Assess
    expect(documented.length).toBeGreaterThan(40);
    expect(unknown).toEqual([]);
  });
});
