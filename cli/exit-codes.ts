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
  /** No usable grant for the account: the secret holds none, or its approved expiry has passed. */
  NO_ACTIVE_GRANT: 11,
  /** `--wait`: an approver denied the request. */
  DENIED: 12,
  /** `--wait`: the broker rejected the request (it does not fit the broker's config). */
  REJECTED: 13,
  /** `--wait` / `jit end`: no outcome arrived within `--timeout`; the request may still be decided. */
  WAIT_TIMEOUT: 14,
  /** `--wait`: the broker failed to grant an approved request (e.g. the mint failed); nothing was granted. */
  BROKER_FAILED: 15,
  /** The broker refused to end or revoke: the proof of identity was not accepted, or not the grant's own session. */
  REFUSED: 16,
  /** Nothing to end or revoke: the request was never granted, or its grant is already over. */
  NOT_ACTIVE: 17,
  /** The request does not fit the config (unknown role, too many minutes, empty reason); nothing was published. */
  INVALID_REQUEST: 18,
  /** `jit doctor`: at least one check failed (each failure is printed with its fix). */
  DOCTOR_FAILED: 19,
  /** `jit report`: AWS refused to let the caller read the report (or the request record needed to find it). */
  REPORT_ACCESS_DENIED: 20,
  /** `--wait`: a grant is live for the same agent and account; nothing was granted. End it (`jit end`) and ask again. */
  GRANT_ALREADY_LIVE: 21,
  /** `--wait`: the request id is already used by a different request; this one was not registered. Send it with a new id. */
  DUPLICATE_REFUSED: 22,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The name of an exit code, for `--json` error output. */
export function exitCodeName(code: ExitCode): string {
  return Object.entries(EXIT).find(([, value]) => value === code)?.[0] ?? 'FAILURE';
}
