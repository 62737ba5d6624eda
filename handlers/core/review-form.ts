import { isWellFormedCapability } from './approval-capability';
import type { Verdict } from './approval-decision';

/**
 * Largest review-form body accepted. The form has a capability, a role, minutes and one note of at most
 * 500 characters; URL-encoded, a 500-character note of 3-byte characters takes 4,500 bytes.
 */
export const MAX_FORM_BYTES = 8 * 1024;

const FIELDS = new Set(['c', 'action', 'role', 'minutes', 'note']);

export type FormReading =
  | { readonly ok: true; readonly capability: string; readonly verdict: Verdict }
  /** No usable capability: treated exactly like an invalid link. */
  | { readonly ok: false; readonly status: 404 }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly problem: string };

/**
 * Reads the review form POST: `application/x-www-form-urlencoded`, each field at most once, nothing
 * unknown. `action` is the pressed button. The note is the approval note or the denial reason. Values
 * are only read here; `decideRequest` checks them against the request and the config.
 */
export function readReviewForm(body: Buffer, contentType: string | undefined): FormReading {
  if (body.length > MAX_FORM_BYTES) {
    return { ok: false, status: 413, problem: `The form is larger than ${MAX_FORM_BYTES} bytes.` };
  }
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    return { ok: false, status: 415, problem: 'The form must be sent as application/x-www-form-urlencoded.' };
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  if (text.includes('\uFFFD')) return { ok: false, status: 400, problem: 'The form is not valid UTF-8.' };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(text);
  } catch {
    return { ok: false, status: 400, problem: 'The form could not be read.' };
  }
  const seen = new Map<string, string>();
  for (const [name, value] of params) {
    if (!FIELDS.has(name)) return { ok: false, status: 400, problem: 'The form has a field this page does not send.' };
    if (seen.has(name)) return { ok: false, status: 400, problem: 'The form repeats a field.' };
    seen.set(name, value);
  }
  const capability = seen.get('c');
  if (capability === undefined || !isWellFormedCapability(capability)) return { ok: false, status: 404 };

  const action = seen.get('action');
  // Browsers submit a textarea's line breaks as CRLF; a lone CR is not a line break anyone typed.
  const note = seen.get('note')?.replace(/\r\n/g, '\n');
  if (action === 'deny') return { ok: true, capability, verdict: { action: 'deny', ...(note !== undefined ? { reason: note } : {}) } };
  if (action !== 'approve') return { ok: false, status: 400, problem: 'The form does not say whether to approve or deny.' };
  const role = seen.get('role');
  const minutesText = seen.get('minutes')?.trim();
  // Not a whole number stays NaN, so the check against the config reports it next to the other problems.
  const minutes = minutesText === undefined || minutesText === '' ? undefined : /^-?\d{1,6}$/.test(minutesText) ? Number(minutesText) : Number.NaN;
  return {
    ok: true,
    capability,
    verdict: {
      action: 'approve',
      ...(role !== undefined && role !== '' ? { role } : {}),
      ...(minutes !== undefined ? { minutes } : {}),
      ...(note !== undefined ? { note } : {}),
    },
  };
}
