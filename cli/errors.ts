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

/** The network error code of an error, its cause, or one of an AggregateError's (Node tries each address). */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  // The SDK's retry middleware re-wraps what it does not recognise as an Error ("AWS SDK error wrapper
  // for Error: connect ECONNREFUSED ..."), keeping only the text.
  const named = /^AWS SDK error wrapper for .*\b(E[A-Z_]+)\b/.exec(error.message)?.[1];
  if (named && NETWORK_CODES.has(named)) return named;
  const nested = [...(error instanceof AggregateError ? error.errors : []), error.cause];
  for (const inner of nested) {
    const found = networkCode(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Whether an endpoint URL is on this machine, as the sandbox is (`npm start`). */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/**
 * Maps AWS SDK failures to an exit code with a hint; anything else stays a plain failure. `endpoint` is
 * the `--endpoint` in use: when it is on this machine and cannot be reached, the hint names the sandbox.
 */
export function classifyAwsError(error: unknown, endpoint?: string): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = networkCode(error);
  if (ACCESS_ERRORS.has(error.name)) {
    return new CliError(
      `AWS refused the call: ${error.name}: ${error.message}`,
      EXIT.AWS_ACCESS,
      'Check your AWS credentials (--profile, JIT_PROFILE) and region. Approvers need the jit-approver policy (docs/approvals.md); the agent its own identity (docs/agent.md).',
      { cause: error },
    );
  }
  if (code && isLocalEndpoint(endpoint)) {
    return new CliError(`Could not reach ${endpoint} (${code}): is the sandbox running? (npm start)`, EXIT.AWS_ACCESS, 'Start it with npm start in the clone, or point --endpoint (JIT_ENDPOINT) at the one that runs.', {
      cause: error,
    });
  }
  if (code || error.name === 'TimeoutError') {
    return new CliError(`Could not reach AWS: ${error.message || code}`, EXIT.AWS_ACCESS, 'Check the network, --region and --endpoint.', {
      cause: error,
    });
  }
  return undefined;
}
