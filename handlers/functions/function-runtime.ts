import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { HttpHandler } from '@smithy/protocol-http';
import type { FunctionEntry, FunctionEnvironment } from '../core/function-environment';
import type { Clock, RandomSource } from '../ports/clock';

/** What every AWS SDK client of a broker function is created with. */
export interface AwsClientConfig {
  /** @default the SDK's: `AWS_REGION`, which the Lambda runtime sets */
  readonly region?: string;
  /** Where every call goes instead of the service's AWS endpoint (the local sandbox). @default AWS's endpoint */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain: in Lambda, the function's execution role */
  readonly credentials?: AwsCredentialIdentity;
  /**
   * What sends the signed requests (the local sandbox hands them to its AWS emulation without a socket:
   * sandbox/engine/function-aws-transport.ts). @default the SDK's Node.js HTTP handler
   */
  readonly requestHandler?: HttpHandler;
}

/**
 * Everything a broker function takes from where it runs, handed to its factory
 * (`handlers/functions/<entry>-function.ts`) instead of being read from `process.env` or a shared object.
 * The Lambda entry points build it from the Lambda runtime's environment at start-up (`lambdaRuntime` in
 * `handlers/lambda/runtime.ts`); the local sandbox and the workflow tests build one per function, so
 * several functions share a process, each with its own environment, a clock that need not be the wall's,
 * and SDK clients pointed wherever the host says, without changing anything process-wide.
 */
export interface FunctionRuntime<E extends FunctionEntry> {
  /** The variables this function's entry point reads, by contract key (`handlers/core/function-environment.ts`). */
  readonly env: FunctionEnvironment<E>;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The function's logger; it logs ids and outcomes, never payloads. */
  readonly logger: Logger;
  readonly aws: AwsClientConfig;
  /** The region the function runs in (in Lambda, `AWS_REGION`). */
  readonly region: string;
  /**
   * Where identity proofs (`jit end`, `jit revoke`) are signed for and verified, instead of the regional STS
   * endpoint: the endpoint the CLI talks to (the sandbox, a test's local STS).
   * @default the regional STS endpoint of `region`
   */
  readonly stsProofEndpoint?: string;
  /**
   * Where the Slack Web API calls go instead of `https://slack.com/api`: the sandbox's Slack stand-in
   * (docs/slack.md#sandbox).
   * @default Slack's Web API
   */
  readonly slackApiUrl?: string;
  /**
   * Whether IAM Access Analyzer answers where the function runs. The local sandbox has none, so its mint and
   * RequestApproval do not ask: every proof is "not proven", as when Access Analyzer cannot be reached.
   * @default true
   */
  readonly accessAnalyzer?: boolean;
}
