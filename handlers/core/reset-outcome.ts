/**
 * What a conditional reset found: it reset the secret to the placeholder, the secret was already the
 * placeholder, or the secret holds another (newer) grant and was left alone.
 */
export type ResetOutcome = 'reset' | 'already-reset' | 'not-current';
