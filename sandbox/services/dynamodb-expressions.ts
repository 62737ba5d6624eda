/**
 * DynamoDB's expression languages (condition, filter, key condition, update, projection) evaluated on
 * items as plain values (the document client's view). A small recursive-descent parser over the grammar
 * in the DynamoDB developer guide: comparisons (`= <> < <= > >=`), `BETWEEN`, `IN`, `AND`/`OR`/`NOT`,
 * parentheses, the functions `attribute_exists`, `attribute_not_exists`, `attribute_type`, `begins_with`,
 * `contains` and `size`; `SET` (with `+`/`-`, `list_append`, `if_not_exists`), `REMOVE`, `ADD`, `DELETE`;
 * document paths with `#names`, map keys and list indexes. Used by the sandbox's DynamoDB and by the
 * test fakes, so the two agree on what the request store's expressions mean.
 */

export type Item = Record<string, unknown>;
export type Names = Readonly<Record<string, string>> | undefined;
export type Values = Readonly<Record<string, unknown>> | undefined;

/** The expression is malformed or uses something not implemented (DynamoDB's `ValidationException`). */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Token = { kind: 'name' | 'value' | 'word' | 'number' | 'op'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(<>|<=|>=|[=<>(),.[\]+-]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (!m) throw new ExpressionError(`Invalid expression: unexpected "${expression.slice(at, at + 10)}" in "${expression}"`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4]) tokens.push({ kind: 'word', text: m[4] });
    else tokens.push({ kind: 'op', text: m[5] });
  }
  return tokens;
}

type PathPart = string | number;

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly names: Names,
    private readonly values: Values,
    readonly source: string,
  ) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new ExpressionError(`Invalid expression: unexpected end of "${this.source}"`);
    return token;
  }

  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }

  isOp(op: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.text === op;
  }

  expectOp(op: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== op) throw new ExpressionError(`Invalid expression: expected "${op}" but found "${t.text}" in "${this.source}"`);
  }

  name(token: Token): string {
    if (token.kind === 'name') {
      const resolved = this.names?.[token.text];
      if (resolved === undefined) throw new ExpressionError(`An expression attribute name used in the document path is not defined; attribute name: ${token.text}`);
      return resolved;
    }
    if (token.kind === 'word') return token.text;
    throw new ExpressionError(`Invalid expression: expected an attribute name, found "${token.text}" in "${this.source}"`);
  }

  value(token: Token): unknown {
    if (!this.values || !(token.text in this.values)) {
      throw new ExpressionError(`An expression attribute value used in expression is not defined; attribute value: ${token.text}`);
    }
    return this.values[token.text];
  }

  path(): PathPart[] {
    const parts: PathPart[] = [this.name(this.next())];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        parts.push(this.name(this.next()));
      } else if (this.isOp('[')) {
        this.next();
        const index = this.next();
        if (index.kind !== 'number') throw new ExpressionError(`Invalid list index in "${this.source}"`);
        parts.push(Number(index.text));
        this.expectOp(']');
      } else {
        return parts;
      }
    }
  }
}

function read(item: Item | undefined, path: readonly PathPart[]): unknown {
  let node: unknown = item;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/**
 * A set by its tag, not `instanceof`: `structuredClone` (used to copy items) makes sets of the realm it runs
 * in, which under a test runner's sandboxed globals is not the realm of this module's `Set`.
 */
function isSet(value: unknown): value is Set<unknown> {
  return Object.prototype.toString.call(value) === '[object Set]';
}

function typeOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'NULL';
  if (typeof value === 'string') return 'S';
  if (typeof value === 'number' || typeof value === 'bigint') return 'N';
  if (typeof value === 'boolean') return 'BOOL';
  if (value instanceof Uint8Array) return 'B';
  if (Array.isArray(value)) return 'L';
  if (isSet(value)) return typeof [...value][0] === 'number' ? 'NS' : 'SS';
  return 'M';
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(a, setReplacer) === JSON.stringify(b, setReplacer);
}

function setReplacer(_key: string, value: unknown): unknown {
  return isSet(value) ? [...value].sort() : value;
}

function sizeOf(value: unknown): number | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isSet(value)) return value.size;
  if (value instanceof Uint8Array) return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return undefined;
}

type Operand = (item: Item | undefined) => unknown;

function operand(p: Parser): Operand {
  const t = p.peek();
  if (t?.kind === 'value') {
    p.next();
    const v = p.value(t);
    return () => v;
  }
  if (t?.kind === 'word' && t.text === 'size' && p.peek(1)?.text === '(') {
    p.next();
    p.expectOp('(');
    const path = p.path();
    p.expectOp(')');
    return (item) => sizeOf(read(item, path));
  }
  const path = p.path();
  return (item) => read(item, path);
}

type Predicate = (item: Item | undefined) => boolean;

function functionCall(p: Parser): Predicate {
  const fn = p.next().text;
  p.expectOp('(');
  let result: Predicate;
  switch (fn) {
    case 'attribute_exists':
    case 'attribute_not_exists': {
      const path = p.path();
      result = fn === 'attribute_exists' ? (item) => read(item, path) !== undefined : (item) => read(item, path) === undefined;
      break;
    }
    case 'attribute_type': {
      const path = p.path();
      p.expectOp(',');
      const type = operand(p);
      result = (item) => typeOf(read(item, path)) === type(item);
      break;
    }
    case 'begins_with': {
      const path = p.path();
      p.expectOp(',');
      const prefix = operand(p);
      result = (item) => {
        const v = read(item, path);
        const pre = prefix(item);
        return typeof v === 'string' && typeof pre === 'string' && v.startsWith(pre);
      };
      break;
    }
    case 'contains': {
      const path = p.path();
      p.expectOp(',');
      const needle = operand(p);
      result = (item) => {
        const v = read(item, path);
        const n = needle(item);
        if (typeof v === 'string') return typeof n === 'string' && v.includes(n);
        if (Array.isArray(v)) return v.some((e) => equal(e, n));
        if (isSet(v)) return v.has(n);
        return false;
      };
      break;
    }
    default:
      throw new ExpressionError(`Invalid function name; function: ${fn}`);
  }
  p.expectOp(')');
  return result;
}

function comparison(p: Parser): Predicate {
  const t = p.peek();
  if (t?.kind === 'word' && ['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains'].includes(t.text)) {
    return functionCall(p);
  }
  const left = operand(p);
  if (p.isWord('BETWEEN')) {
    p.next();
    const low = operand(p);
    if (!p.isWord('AND')) throw new ExpressionError(`Invalid BETWEEN in "${p.source}"`);
    p.next();
    const high = operand(p);
    return (item) => {
      const v = left(item);
      const lo = compare(v, low(item));
      const hi = compare(v, high(item));
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    };
  }
  if (p.isWord('IN')) {
    p.next();
    p.expectOp('(');
    const options: Operand[] = [operand(p)];
    while (p.isOp(',')) {
      p.next();
      options.push(operand(p));
    }
    p.expectOp(')');
    return (item) => {
      const v = left(item);
      return options.some((o) => equal(v, o(item)));
    };
  }
  const op = p.next();
  if (op.kind !== 'op' || !['=', '<>', '<', '<=', '>', '>='].includes(op.text)) {
    throw new ExpressionError(`Invalid expression: expected a comparator, found "${op.text}" in "${p.source}"`);
  }
  const right = operand(p);
  return (item) => {
    const a = left(item);
    const b = right(item);
    switch (op.text) {
      case '=':
        return equal(a, b);
      case '<>':
        return a !== undefined && !equal(a, b);
      default: {
        const c = compare(a, b);
        if (c === undefined) return false;
        return op.text === '<' ? c < 0 : op.text === '<=' ? c <= 0 : op.text === '>' ? c > 0 : c >= 0;
      }
    }
  };
}

function unary(p: Parser): Predicate {
  if (p.isWord('NOT')) {
    p.next();
    const inner = unary(p);
    return (item) => !inner(item);
  }
  if (p.isOp('(')) {
    p.next();
    const inner = disjunction(p);
    p.expectOp(')');
    return inner;
  }
  return comparison(p);
}

function conjunction(p: Parser): Predicate {
  const parts = [unary(p)];
  while (p.isWord('AND')) {
    p.next();
    parts.push(unary(p));
  }
  return (item) => parts.every((part) => part(item));
}

function disjunction(p: Parser): Predicate {
  const parts = [conjunction(p)];
  while (p.isWord('OR')) {
    p.next();
    parts.push(conjunction(p));
  }
  return (item) => parts.some((part) => part(item));
}

/** Evaluates a condition, filter or key-condition expression against an item (undefined: no item). */
export function evaluateCondition(expression: string, item: Item | undefined, names: Names, values: Values): boolean {
  const p = new Parser(tokenize(expression), names, values, expression);
  const predicate = disjunction(p);
  if (!p.done) throw new ExpressionError(`Invalid expression: unexpected "${p.peek()?.text}" in "${expression}"`);
  return predicate(item);
}

function write(item: Item, path: readonly PathPart[], value: unknown): void {
  let node: Record<string | number, unknown> = item;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') throw new ExpressionError('The document path provided in the update expression is invalid for update');
    node = next as Record<string | number, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function remove(item: Item, path: readonly PathPart[]): void {
  const parent = path.length === 1 ? item : read(item, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') return;
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else delete (parent as Record<string | number, unknown>)[last];
}

/** A SET right-hand side: operand, `a + b`, `a - b`, `list_append(x, y)`, `if_not_exists(path, v)`. */
function setValue(p: Parser, item: Item): unknown {
  const term = (): unknown => {
    const t = p.peek();
    if (t?.kind === 'word' && (t.text === 'list_append' || t.text === 'if_not_exists') && p.peek(1)?.text === '(') {
      p.next();
      p.expectOp('(');
      if (t.text === 'if_not_exists') {
        const path = p.path();
        p.expectOp(',');
        const fallback = setValue(p, item);
        p.expectOp(')');
        const current = read(item, path);
        return current !== undefined ? current : fallback;
      }
      const first = setValue(p, item);
      p.expectOp(',');
      const second = setValue(p, item);
      p.expectOp(')');
      if (!Array.isArray(first) || !Array.isArray(second)) throw new ExpressionError('Incorrect operand type for operator or function; operator or function: list_append');
      return [...first, ...second];
    }
    return structuredClone(operand(p)(item));
  };
  const left = term();
  if (p.isOp('+') || p.isOp('-')) {
    const op = p.next().text;
    const right = term();
    if (typeof left !== 'number' || typeof right !== 'number') throw new ExpressionError(`Incorrect operand type for operator or function; operator: ${op}`);
    return op === '+' ? left + right : left - right;
  }
  return left;
}

/** Applies an update expression to a copy of the item and returns it. */
export function applyUpdate(item: Item, expression: string, names: Names, values: Values): Item {
  const next = structuredClone(item);
  const p = new Parser(tokenize(expression), names, values, expression);
  const seen = new Set<string>();
  while (!p.done) {
    const clause = p.next();
    const keyword = clause.kind === 'word' ? clause.text.toUpperCase() : '';
    if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(keyword) || seen.has(keyword)) {
      throw new ExpressionError(`Invalid UpdateExpression: unexpected "${clause.text}" in "${expression}"`);
    }
    seen.add(keyword);
    do {
      if (p.isOp(',')) p.next();
      const path = p.path();
      if (keyword === 'SET') {
        p.expectOp('=');
        // Every SET reads the item as it was before the update, as DynamoDB does.
        write(next, path, setValue(p, item));
      } else if (keyword === 'REMOVE') {
        remove(next, path);
      } else {
        const v = operand(p)(item);
        const current = read(next, path);
        if (keyword === 'ADD' && typeof v === 'number') write(next, path, (typeof current === 'number' ? current : 0) + v);
        else if (isSet(v)) {
          const set = new Set(isSet(current) ? current : []);
          for (const e of v) {
            if (keyword === 'ADD') set.add(e);
            else set.delete(e);
          }
          // Sets are never empty in DynamoDB: deleting the last element removes the attribute.
          // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValueUpdate.html
          if (set.size === 0) remove(next, path);
          else write(next, path, set);
        } else throw new ExpressionError(`Incorrect operand type for operator or function; operator: ${keyword}`);
      }
    } while (p.isOp(','));
  }
  return next;
}

/** The top-level attribute names an update expression writes or removes (IAM's `dynamodb:Attributes`). */
export function updatedAttributes(expression: string, names: Names): string[] {
  const found = new Set<string>();
  const tokens = tokenize(expression);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const previous = tokens[i - 1];
    const startsTarget = !previous || (previous.kind === 'word' && ['SET', 'REMOVE', 'ADD', 'DELETE'].includes(previous.text.toUpperCase())) || previous.text === ',';
    if (!startsTarget || (t.kind !== 'name' && t.kind !== 'word')) continue;
    if (t.kind === 'word' && ['SET', 'REMOVE', 'ADD', 'DELETE'].includes(t.text.toUpperCase())) continue;
    // A comma inside list_append(...) or if_not_exists(...) precedes an operand, not a target.
    let depth = 0;
    for (let j = 0; j < i; j++) depth += tokens[j].text === '(' ? 1 : tokens[j].text === ')' ? -1 : 0;
    if (depth > 0) continue;
    found.add(t.kind === 'name' ? (names?.[t.text] ?? t.text) : t.text);
  }
  return [...found];
}

/** Keeps only the listed top-level attributes (a ProjectionExpression of plain names). */
/** The top-level attribute names a projection expression reads (what `dynamodb:Attributes` holds for it). */
export function projectedAttributes(expression: string, names: Names): string[] {
  const p = new Parser(tokenize(expression), names, undefined, expression);
  const attributes: string[] = [];
  do {
    if (p.isOp(',')) p.next();
    attributes.push(String(p.path()[0]));
  } while (p.isOp(','));
  return [...new Set(attributes)];
}

export function project(item: Item, expression: string | undefined, names: Names): Item {
  if (!expression) return item;
  const p = new Parser(tokenize(expression), names, undefined, expression);
  const projected: Item = {};
  do {
    if (p.isOp(',')) p.next();
    const path = p.path();
    const top = String(path[0]);
    if (item[top] !== undefined) projected[top] = path.length === 1 ? item[top] : item[top];
  } while (p.isOp(','));
  return projected;
}
