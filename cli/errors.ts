import { EXIT, type ExitCode } from './exit-codes';

/**
 * An outcome that ends a command with a non-zero exit code. Commands throw it; only `main` turns it
 * into output on stderr and an exit code.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** What to do about it, e.g. a corrected command line. */
    readonly hint?: string,
    options?: ErrorOptions & {
      /** Facts for machines, added to the `--json` error (e.g. the request id of a denied request). */
      readonly details?: Readonly<Record<string, unknown>>;
    },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.details = options?.details;
  }

  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * `jit exec`: the command ran and exited with this code, which becomes jit's own exit code. Not an
 * error of jit's; nothing is printed for it.
 */
export class ChildExit extends Error {
  constructor(readonly code: number) {
    super(`The command exited with code ${code}.`);
    this.name = 'ChildExit';
  }
}

const ACCESS_ERRORS = new Set([
  'CredentialsProviderError',
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ResourceNotFoundException',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET']);

/** Maps AWS SDK failures to an exit code with a hint; anything else stays a plain failure. */
export function classifyAwsError(error: unknown): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: string }).code;
  if (ACCESS_ERRORS.has(error.name)) {
    return new CliError(
      `AWS refused the call: ${error.name}: ${error.message}`,
      EXIT.AWS_ACCESS,
      'Check your AWS credentials (--profile, JIT_PROFILE) and region. Approvers need the jit-approver policy (docs/approvals.md); the agent its own identity (docs/agent.md).',
      { cause: error },
    );
  }
  if ((code && NETWORK_CODES.has(code)) || error.name === 'TimeoutError') {
    return new CliError(`Could not reach AWS: ${error.message}`, EXIT.AWS_ACCESS, 'Check the network, --region and --endpoint.', {
      cause: error,
    });
  }
  return undefined;
}
