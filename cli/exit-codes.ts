/**
 * Exit codes of `jit`. They are a contract: scripts and agents branch on them. Codes are never reused or
 * renumbered; new outcomes get new numbers. Documented in docs/cli.md.
 */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** Something unexpected failed; the message says what. */
  FAILURE: 1,
  /** The command line is wrong: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** The jit config file is missing or invalid. */
  CONFIG: 3,
  /** AWS refused or could not be reached: no credentials, access denied, endpoint unreachable. */
  AWS_ACCESS: 4,
  /** No such request. */
  NOT_FOUND: 5,
  /** The request was already decided (or ended without a decision); nothing changed. */
  ALREADY_DECIDED: 6,
  /** The request's approval window has closed; nothing changed. */
  EXPIRED: 7,
  /** The decision does not fit the config (role not configured for the account, minutes out of range). */
  INVALID_DECISION: 8,
  /** The workflow could not be reached; nothing was decided. Try again. */
  UNAVAILABLE: 9,
  /** An audit report was found and printed, but it failed a verification check (see stderr). */
  REPORT_UNVERIFIED: 10,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The name of an exit code, for `--json` error output. */
export function exitCodeName(code: ExitCode): string {
  return Object.entries(EXIT).find(([, value]) => value === code)?.[0] ?? 'FAILURE';
}
