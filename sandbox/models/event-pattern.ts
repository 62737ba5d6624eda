/**
 * EventBridge event patterns, the subset that rules use in practice: literal values (any of a list),
 * `prefix`, `suffix`, `anything-but` (a value, a list, or a prefix), `exists`, `numeric` ranges, and
 * nested objects for `detail`. A pattern field with an unknown matcher matches nothing, never everything.
 */
export type EventPattern = { readonly [field: string]: unknown };

function matchesValue(matcher: unknown, value: unknown, present: boolean): boolean {
  if (matcher === null || typeof matcher !== 'object') return present && (Array.isArray(value) ? value.includes(matcher) : value === matcher);
  const m = matcher as Record<string, unknown>;
  if ('exists' in m) return m.exists === present;
  if (!present) return false;
  const values = Array.isArray(value) ? value : [value];
  if ('prefix' in m) return values.some((v) => typeof v === 'string' && typeof m.prefix === 'string' && v.startsWith(m.prefix));
  if ('suffix' in m) return values.some((v) => typeof v === 'string' && typeof m.suffix === 'string' && v.endsWith(m.suffix));
  if ('anything-but' in m) {
    const but = m['anything-but'];
    if (but !== null && typeof but === 'object' && !Array.isArray(but)) {
      const prefix = (but as { prefix?: unknown }).prefix;
      return values.every((v) => !(typeof v === 'string' && typeof prefix === 'string' && v.startsWith(prefix)));
    }
    const excluded = Array.isArray(but) ? but : [but];
    return values.every((v) => !excluded.includes(v));
  }
  if ('numeric' in m && Array.isArray(m.numeric)) {
    const conditions = m.numeric as unknown[];
    return values.some((v) => {
      if (typeof v !== 'number') return false;
      for (let i = 0; i + 1 < conditions.length; i += 2) {
        const [op, bound] = [conditions[i], Number(conditions[i + 1])];
        const ok = op === '=' ? v === bound : op === '<' ? v < bound : op === '<=' ? v <= bound : op === '>' ? v > bound : op === '>=' ? v >= bound : false;
        if (!ok) return false;
      }
      return true;
    });
  }
  return false;
}

/** Whether an event (the envelope EventBridge delivers) matches a rule's pattern. */
export function matchesPattern(pattern: EventPattern, event: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const present = Object.prototype.hasOwnProperty.call(event, field) && event[field] !== undefined;
    const value = event[field];
    if (Array.isArray(expected)) return expected.some((matcher) => matchesValue(matcher, value, present));
    if (expected !== null && typeof expected === 'object') {
      return present && value !== null && typeof value === 'object' && !Array.isArray(value) && matchesPattern(expected as EventPattern, value as Record<string, unknown>);
    }
    return false;
  });
}
