import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

const meta = { $metadata: {} };

function attr(token: string, names: Names): string {
  const t = token.trim();
  return t.startsWith('#') ? (names?.[t] ?? t) : t;
}

/** Reads a document path such as `#links.#hash` (map keys only, no list indexes). */
function read(item: Item | undefined, path: string, names: Names): unknown {
  let node: unknown = item;
  for (const part of path.trim().split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Item)[attr(part, names)];
  }
  return node;
}

function value(token: string, values: Values): unknown {
  const t = token.trim();
  if (!t.startsWith(':') || !values || !(t in values)) throw new Error(`fake dynamodb: unknown value ${t}`);
  return values[t];
}

/**
 * Evaluates the condition-expression grammar the request store uses: `attribute_exists(a)`,
 * `attribute_not_exists(a)`, `a = :v`, `a <> :v`, `a < :v`, `a > :v`, `a IN (:x, :y)`, joined by AND,
 * where `a` may be a map path (`#links.#hash`).
 * Anything else throws, so a store change that needs more grammar is noticed here.
 */
export function evaluateCondition(expression: string, item: Item | undefined, names: Names, values: Values): boolean {
  return expression.split(/\s+AND\s+/i).every((clause) => {
    const c = clause.trim().replace(/^\((.*)\)$/, '$1');
    let m = /^attribute_(not_)?exists\(([^)]+)\)$/.exec(c);
    if (m) {
      const present = read(item, m[2], names) !== undefined;
      return m[1] ? !present : present;
    }
    m = /^(\S+)\s+IN\s+\(([^)]+)\)$/i.exec(c);
    if (m) {
      const actual = read(item, m[1], names);
      return m[2].split(',').some((v) => value(v, values) === actual);
    }
    m = /^(\S+)\s*(=|<>|<|>)\s*(\S+)$/.exec(c);
    if (m) {
      const actual = read(item, m[1], names) as string | number | undefined;
      const expected = value(m[3], values) as string | number;
      switch (m[2]) {
        case '=':
          return actual === expected;
        case '<>':
          return actual !== expected;
        case '<':
          return actual !== undefined && actual < expected;
        default:
          return actual !== undefined && actual > expected;
      }
    }
    throw new Error(`fake dynamodb: unsupported condition clause "${c}"`);
  });
}

/** Splits on commas outside parentheses. */
function topLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '(') depth++;
    else if (list[i] === ')') depth--;
    else if (list[i] === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

/** The right-hand side of a SET: `:v`, or `list_append(if_not_exists(a, :empty), :more)`. */
function operand(token: string, item: Item, names: Names, values: Values): unknown {
  const t = token.trim();
  const append = /^list_append\((.*)\)$/.exec(t);
  if (append) {
    const [first, second] = topLevel(append[1]).map((p) => operand(p, item, names, values));
    if (!Array.isArray(first) || !Array.isArray(second)) throw new Error(`fake dynamodb: list_append needs lists in "${t}"`);
    return [...first, ...second];
  }
  const ifNotExists = /^if_not_exists\(([^,]+),(.*)\)$/.exec(t);
  if (ifNotExists) {
    const current = item[attr(ifNotExists[1], names)];
    return current !== undefined ? current : operand(ifNotExists[2], item, names, values);
  }
  return structuredClone(value(t, values));
}

/** Applies `SET a = :v, b = list_append(if_not_exists(b, :none), :more) ... REMOVE x, y`. */
export function applyUpdate(item: Item, expression: string, names: Names, values: Values): Item {
  const next = { ...item };
  const m = /^\s*SET\s+(.*?)(?:\s+REMOVE\s+(.*))?$/i.exec(expression);
  if (!m) throw new Error(`fake dynamodb: unsupported update "${expression}"`);
  for (const assignment of topLevel(m[1])) {
    const at = assignment.indexOf('=');
    next[attr(assignment.slice(0, at), names)] = operand(assignment.slice(at + 1), item, names, values);
  }
  for (const removed of m[2]?.split(',') ?? []) delete next[attr(removed, names)];
  return next;
}

/** DynamoDB through the document client, at the SDK boundary: one table, conditional writes honoured. */
export class FakeDynamoDb {
  readonly mock = mockClient(DynamoDBDocumentClient);
  readonly items = new Map<string, Item>();

  constructor(private readonly key = 'requestId') {
    this.mock.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values }) => {
      const id = String(input.Item[this.key]);
      this.check(input.ConditionExpression, this.items.get(id), input.ExpressionAttributeNames, input.ExpressionAttributeValues);
      this.items.set(id, structuredClone(input.Item));
      return {};
    });
    this.mock.on(GetCommand).callsFake((input: { Key: Item }) => {
      const item = this.items.get(String(input.Key[this.key]));
      return item ? { Item: structuredClone(item) } : {};
    });
    this.mock.on(QueryCommand).callsFake((input) => this.queryHandler(input));
    this.mock.on(UpdateCommand).callsFake(
      (input: { Key: Item; UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values; ReturnValues?: string }) => {
        const id = String(input.Key[this.key]);
        const existing = this.items.get(id);
        this.check(input.ConditionExpression, existing, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
        const updated = applyUpdate(existing ?? { ...input.Key }, input.UpdateExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
        this.items.set(id, updated);
        return input.ReturnValues === 'ALL_OLD' ? { Attributes: existing } : input.ReturnValues === 'ALL_NEW' ? { Attributes: updated } : {};
      },
    );
  }

  private queryHandler = (input: {
    KeyConditionExpression: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
    ScanIndexForward?: boolean;
    FilterExpression?: string;
  }) => {
    // Index projections are not modelled: the store under test must pick what it returns.
    if (input.FilterExpression) throw new Error('fake dynamodb: FilterExpression is not supported');
    const matches = [...this.items.values()]
      .filter((item) => evaluateCondition(input.KeyConditionExpression, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues))
      .sort((a, b) => String(a.requestedAt).localeCompare(String(b.requestedAt)));
    if (input.ScanIndexForward === false) matches.reverse();
    return { Items: matches.map((item) => structuredClone(item)), Count: matches.length };
  };

  restore(): void {
    this.mock.restore();
  }

  private check(expression: string | undefined, item: Item | undefined, names: Names, values: Values): void {
    if (expression && !evaluateCondition(expression, item, names, values)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta });
    }
  }
}
