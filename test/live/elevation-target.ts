import type { AwsCredentialIdentity } from '@aws-sdk/types';

/** What a `jit` run printed and how it exited. */
export interface JitRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Where to send a call made with a grant's credentials. */
export interface CallTarget {
  readonly region: string;
  /** Undefined for AWS itself (each service's own endpoint). */
  readonly endpoint?: string;
}

/** How long each wait of the elevation test may take on this target, in milliseconds. */
export interface TargetTimeouts {
  /** From `jit request` to the request waiting for a decision. */
  readonly pending: number;
  /** From `jit approve` to GRANTED (the mint). */
  readonly granted: number;
  /** From GRANTED to ENDED: the grant's minutes and the end's own lag. */
  readonly ended: number;
  /** From ENDED to AUDITED: the CloudTrail wait and the audit. */
  readonly audited: number;
  /** From `jit revoke` until copied credentials are refused (IAM applies a deny within a few minutes). */
  readonly revokeApplies: number;
  /** From a deny-listed or unplanned call to REVOKED by a tripwire (CloudTrail's delivery to EventBridge has no documented latency). */
  readonly tripped: number;
}

/**
 * One installation the elevation test runs against: the local sandbox, or hub and target deployed into
 * one real AWS account. The test's steps and assertions are the same for both; only this differs.
 */
export interface ElevationTarget {
  readonly kind: 'sandbox' | 'aws';
  /** The target account's name in the config. */
  readonly accountName: string;
  /** The role the test asks for. */
  readonly role: string;
  /** The role's IAM name, as the grant's session ARN shows it. */
  readonly iamRoleName: string;
  readonly calls: CallTarget;
  /** A second audited region, where the tripwire case calls; undefined skips that case. */
  readonly secondRegion?: string;
  /** Minutes of the grant the fence scenario asks for: long enough to use it on this target. */
  readonly grantMinutes: number;
  readonly timeouts: TargetTimeouts;
  /** Deploys (or starts) everything. */
  setUp(): Promise<void>;
  /** Removes everything it can; returns one line per thing it could not remove, with why and how. */
  tearDown(): Promise<string[]>;
  /** Runs `jit` as the agent (its standing credentials) or the approver. */
  jit(holder: 'agent' | 'approver', args: readonly string[]): Promise<JitRun>;
  /** The audit report of a request, as Markdown. */
  auditReport(requestId: string): Promise<string>;
}

export type GrantCredentials = AwsCredentialIdentity & { readonly sessionToken: string };
