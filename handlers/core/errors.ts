/**
 * Errors of the broker's domain. Each sets `name` explicitly: Lambda reports it as the error type and
 * Step Functions matches `Retry` and `Catch` on that name, so these names are part of the state machine's
 * contract and must not change.
 */

/** The request event failed validation; the workflow ends in Rejected and nothing is minted. */
export class InvalidRequestError extends Error {
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid elevation request: ${problems.join('; ')}`, options);
    this.name = 'InvalidRequestError';
  }
}

/** The approver's decision does not fit the request or the config (a role not allowed, too many minutes). */
export class InvalidDecisionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidDecisionError';
  }
}

/**
 * A decision grants more than was requested: a role the config does not declare narrower than the
 * requested one, or more minutes. Mint refuses it (whatever channel delivered it) and mints nothing.
 */
export class DecisionWidensRequestError extends Error {
  constructor(
    requestId: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`The decision for ${requestId} is wider than the request, refused: ${problems.join('; ')}`, options);
    this.name = 'DecisionWidensRequestError';
  }
}

/**
 * Error name the approval side passes to SendTaskFailure when a human denies a request. The workflow
 * catches it and ends in Denied.
 */
export const APPROVAL_DENIED_ERROR = 'ApprovalDeniedError';

/** An AWS API throttled us; the state machine retries the task with backoff and jitter. */
export class ThrottledError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ThrottledError';
  }
}

/** A transient AWS fault (5xx, timeout, connection reset); retried like throttling. */
export class TransientAwsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientAwsError';
  }
}

/** Secrets Manager refused a new version: too many versions written recently (docs/aws-facts.md). */
export class SecretVersionLimitError extends Error {
  constructor(secretId: string, options?: ErrorOptions) {
    super(
      `Secrets Manager refused a new version of ${secretId}: too many versions were written recently ` +
        '(outdated versions are removed only above 100 and after 24 hours). Wait, or reduce how often grants are minted for this account.',
      options,
    );
    this.name = 'SecretVersionLimitError';
  }
}

/** Input to a handler that did not come from the state machine we deploy (a bug or a tampered call). */
export class MalformedTaskInputError extends Error {
  constructor(handler: string, problems: string, options?: ErrorOptions) {
    super(`${handler} received malformed input: ${problems}`, options);
    this.name = 'MalformedTaskInputError';
  }
}

/** Errors the state machine retries with backoff and jitter. */
export const RETRYABLE_ERRORS: readonly string[] = ['ThrottledError', 'TransientAwsError'];

/** A revocation deny may only be removed once the revoked session's STS credentials have expired. */
export class RevocationLiftTooEarlyError extends Error {
  constructor(requestId: string, stsExpiresAt: string, options?: ErrorOptions) {
    super(`The revocation deny of ${requestId} stays until its credentials expire at ${stsExpiresAt}.`, options);
    this.name = 'RevocationLiftTooEarlyError';
  }
}

/** The audit cannot tell which credentials a request had: the request record is gone and no grant was passed. */
export class AuditSubjectUnknownError extends Error {
  constructor(requestId: string, options?: ErrorOptions) {
    super(`Cannot audit request ${requestId}: its record is missing, so it is unknown which credentials were issued.`, options);
    this.name = 'AuditSubjectUnknownError';
  }
}

/** No report is stored for a request. */
export class ReportNotFoundError extends Error {
  constructor(requestId: string, options?: ErrorOptions) {
    super(`No audit report was found for request ${requestId}. Reports are written after the grant ends and CloudTrail settles (up to the configured maximum lag).`, options);
    this.name = 'ReportNotFoundError';
  }
}

/** A report query that cannot name a report (a malformed request id). */
export class InvalidReportQueryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidReportQueryError';
  }
}

/** A function started without an environment variable its entry point reads: it was deployed without it. */
/**
 * The settings file bundled with a function (`jit-settings.json`) is missing, or is not the one its
 * `JIT_SETTINGS_SHA256` names: the code and the configuration of the function do not belong together.
 */
export class SettingsFileError extends Error {
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(`The ${entry} function's settings file: ${message}`);
    this.name = 'SettingsFileError';
  }
}

export class MissingEnvironmentError extends Error {
  constructor(
    readonly entry: string,
    readonly missing: readonly string[],
  ) {
    super(
      missing.length === 1
        ? `Environment variable ${missing[0]} is not set; the ${entry} function was deployed without it.`
        : `Environment variables ${missing.join(', ')} are not set; the ${entry} function was deployed without them.`,
    );
    this.name = 'MissingEnvironmentError';
  }
}

/**
 * A grant is live for the same agent and account (handlers/core/grant-lease.ts): the request ends in
 * GrantAlreadyLive with an `Elevation Refused` event; nothing is minted and the secret is not touched.
 */
export class GrantAlreadyLiveError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'GrantAlreadyLiveError';
  }
}

/** The error name the workflow catches on Mint to end in GrantAlreadyLive. */
export const GRANT_ALREADY_LIVE_ERROR = 'GrantAlreadyLiveError';

/**
 * An extension of a live grant cannot be minted: the grant is no longer the one the extension was asked
 * for (ended, revoked or extended since), too close to its end, or the extension would pass a bound
 * (docs/agent.md#extending-a-live-grant). Nothing was minted; the live grant is untouched.
 */
export class ExtensionRefusedError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'ExtensionRefusedError';
  }
}

/**
 * The error name of a request over a per-agent limit (handlers/core/request-quota.ts), as Register hands the
 * refusal to the workflow: it ends in RateLimited with an `Elevation Refused` event, code `RATE_LIMITED`.
 */
export const RATE_LIMITED_ERROR = 'RateLimitedError';

/** The name Step Functions catches an extension refusal by. */
export const EXTENSION_REFUSED_ERROR = 'ExtensionRefusedError';

/**
 * IAM Access Analyzer answered FAIL for the grant's session policy and `proofs.onFail` is `refuse`
 * (handlers/core/policy-proofs.ts): nothing is minted. The mint step fails, so the workflow ends in MintFailed.
 */
export class PolicyProofFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PolicyProofFailedError';
  }
}
