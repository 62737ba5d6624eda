/** Escapes text for HTML element content and attribute values. Every requester-supplied string goes through it. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
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
