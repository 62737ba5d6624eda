/**
 * Characters that let text an agent writes (`reason`, `requester`, planned actions) pose as something else
 * where an approver reads it — the email, the review page, `jit pending`: a new line that fakes a
 * "Role:" or "approved by" line, a bidi control that reorders what is shown, an invisible character that
 * makes two different strings look the same. Each class is named, so the refusal says which one.
 *
 * @see https://www.unicode.org/reports/tr9/ (bidi controls: U+061C, U+200E/F, U+202A-202E, U+2066-2069)
 * @see https://www.unicode.org/reports/tr36/ (security: invisible and bidi characters)
 */
/* eslint-disable no-control-regex -- matching control characters is the point */
const SPOOFING_CHARACTERS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: 'a tab', pattern: /\u0009/ },
  { name: 'a line feed', pattern: /\u000A/ },
  { name: 'a carriage return', pattern: /\u000D/ },
  { name: 'a control character', pattern: /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/ },
  { name: 'a line separator', pattern: /\u2028/ },
  { name: 'a paragraph separator', pattern: /\u2029/ },
  { name: 'a bidi control', pattern: /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/ },
  { name: 'a zero-width character', pattern: /[\u200B-\u200D\u2060\uFEFF]/ },
];
/* eslint-enable no-control-regex */

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The problem with a piece of one-line display text, naming the field and the first offending
 * character, or undefined when it is safe to show.
 *
 * @example
 * displayTextProblem('reason', 'Restart\nRole: Security') // 'reason: must not contain a line feed (U+000A)'
 */
export function displayTextProblem(field: string, text: string): string | undefined {
  let first: { index: number; name: string; char: string } | undefined;
  for (const { name, pattern } of SPOOFING_CHARACTERS) {
    const match = pattern.exec(text);
    if (match && (first === undefined || match.index < first.index)) first = { index: match.index, name, char: match[0] };
  }
  return first ? `${field}: must not contain ${first.name} (${codePoint(first.char)})` : undefined;
}
