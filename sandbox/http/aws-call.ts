import type { Caller } from '../iam/caller';
import type { SignedRequest } from './sigv4';

/** What a service learned while answering a call, for the trail. */
export interface CallNote {
  operation?: string;
  readOnly?: boolean;
  readonly resources: Array<{ type?: string; name?: string }>;
  readonly evaluations: Array<{ action: string; resource: string; decision: string }>;
  requestParameters?: Record<string, unknown>;
}

/** An authenticated AWS API call, ready for a service emulation. */
export interface AwsCall extends SignedRequest {
  /** Signing name from the credential scope: `secretsmanager`, `dynamodb`, `sts`, ... */
  readonly service: string;
  readonly region: string;
  readonly caller: Caller;
  /** The request id answered in headers and bodies, and recorded in the trail. */
  readonly requestId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly note: CallNote;
}

/** What a service answers. */
export interface AwsResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer | string;
}
