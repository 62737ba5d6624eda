/**
 * What `jit doctor` reads from a deployment: read-only facts, one method per AWS read. The checks
 * (`doctor-checks.ts`) judge them; the AWS adapter (`aws-deployment-probe.ts`) fetches them.
 */

/** A CloudFormation stack as DescribeStacks answers it. */
export interface StackFacts {
  readonly status: string;
  readonly statusReason?: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** The SES account (SESv2 GetAccount). */
export interface SesAccountFacts {
  /** False while the account is in the SES sandbox: mail goes to verified identities only. */
  readonly productionAccessEnabled: boolean;
  readonly sendingEnabled: boolean;
}

/** An SES identity (SESv2 GetEmailIdentity). */
export interface EmailIdentityFacts {
  readonly verifiedForSending: boolean;
  readonly verificationStatus?: string;
}

/** A CloudTrail trail (DescribeTrails) and whether it logs (GetTrailStatus). */
export interface TrailFacts {
  readonly name: string;
  readonly arn: string;
  readonly homeRegion: string;
  readonly multiRegion: boolean;
  readonly logging: boolean;
}

/** The audit bucket's Object Lock configuration (GetObjectLockConfiguration). */
export interface ObjectLockFacts {
  readonly enabled: boolean;
  readonly mode?: string;
  readonly days?: number;
  readonly years?: number;
}

/** One context entry of a policy simulation, as IAM's `ContextEntry` takes it. */
export interface SimulationContextEntry {
  readonly key: string;
  readonly values: readonly string[];
  readonly type: 'string' | 'stringList' | 'date';
}

export interface SimulationRequest {
  /** The user or role whose policies are simulated. */
  readonly principalArn: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly context: readonly SimulationContextEntry[];
}

export type SimulatedDecision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface SimulationResult {
  readonly action: string;
  readonly resource: string;
  readonly decision: SimulatedDecision;
}

/** The caller may not make this read; the check is skipped and says whose credentials can. */
export class ProbeAccessDeniedError extends Error {
  constructor(
    readonly api: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ProbeAccessDeniedError';
  }
}

/** Read-only access to one account of a deployment, with the caller's credentials. */
export interface DeploymentProbe {
  /** The account the caller's credentials belong to (STS GetCallerIdentity). */
  callerAccount(): Promise<string>;
  /** Undefined when no stack has that name (in `region`, default the probe's). */
  stack(name: string, region?: string): Promise<StackFacts | undefined>;
  sesAccount(): Promise<SesAccountFacts>;
  /** Undefined when SES knows no such identity. */
  emailIdentity(identity: string): Promise<EmailIdentityFacts | undefined>;
  /** The secret's current value; undefined when there is no such secret. */
  secretValue(name: string): Promise<string | undefined>;
  /** The secret's full ARN (with its random suffix); undefined when there is no such secret. */
  secretArn(name: string): Promise<string | undefined>;
  /** A role's trust policy, parsed; undefined when there is no such role. */
  roleTrustPolicy(roleName: string): Promise<unknown>;
  simulate(request: SimulationRequest): Promise<SimulationResult[]>;
  /** Every trail that applies to the probe's region, including multi-region trails of other home regions. */
  trails(): Promise<TrailFacts[]>;
  /** Undefined when the bucket does not exist. */
  objectLock(bucket: string): Promise<ObjectLockFacts | undefined>;
}
