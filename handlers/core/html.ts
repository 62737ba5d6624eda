/** Escapes text for HTML element content and attribute values. */
function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const MARKUP = Symbol('markup');

/**
 * Markup that is safe to put into a page as it is: made by `html` (which escaped every value it was
 * given) or declared trusted with `trustedHtml`; nothing else can make one (the key is private to this
 * module). Pages and emails are built only from these, so text from a requester or an approver reaches
 * a page only escaped. `String(fragment)` gives the markup.
 */
export interface SafeHtml {
  readonly [MARKUP]: string;
  toString(): string;
}

function safe(markup: string): SafeHtml {
  return { [MARKUP]: markup, toString: () => markup };
}

function isSafe(value: HtmlValue): value is SafeHtml {
  return typeof value === 'object' && value !== null && MARKUP in value;
}

/** What `html` accepts between `${}`: text (escaped), numbers, markup it made, or lists of these (joined). */
export type HtmlValue = string | number | SafeHtml | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number') return String(value);
  if (isSafe(value)) return value[MARKUP];
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  // Only reachable past the type (a loosely typed value): anything else is text too.
  return escapeText(String(value));
}

/**
 * The tagged template every page and email is written with: each interpolated value is escaped for
 * element content and quoted attribute values, unless it is `SafeHtml` (a fragment `html` made). Booleans,
 * `undefined` and `null` are refused by the type, so a forgotten condition cannot print "undefined".
 * Attribute values must be quoted; a value in an unquoted attribute or inside `<script>`/`<style>` is not
 * made safe by escaping (the pages have no script, and their stylesheets are constants, put in with
 * `trustedHtml`).
 *
 * @example html`<li>${request.reason}</li>`
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '');
  });
  return safe(markup);
}

/**
 * Markup taken as it is, not escaped: only for constants of the program (a stylesheet), never for
 * anything that came in a request. The one way around escaping, so `git grep trustedHtml` lists them all.
 */
export function trustedHtml(markup: string): SafeHtml {
  return safe(markup);
}

/** Makes text safe for a single-line email header: no CR/LF (header injection), bounded length. */
export function headerSafe(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\r\n\u0000-\u001F\u007F]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A timestamp as people read it in an email or page: `2026-11-28 10:00:00 UTC`. */
export function utcText(date: Date | string): string {
  return new Date(date).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}
