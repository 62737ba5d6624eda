import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type {
  DeploymentProbe,
  EmailIdentityFacts,
  ObjectLockFacts,
  SesAccountFacts,
  SimulatedDecision,
  SimulationRequest,
  SimulationResult,
  StackFacts,
  TrailFacts,
} from './deployment-probe';
import { ProbeAccessDeniedError } from './deployment-probe';

export interface AwsDeploymentProbeClients {
  readonly sts: STSClient;
  readonly cloudFormation: CloudFormationClient;
  /** CloudFormation in another region (the tripwire forwarder stacks). @default `cloudFormation` */
  readonly cloudFormationIn?: (region: string) => CloudFormationClient;
  readonly sesv2: SESv2Client;
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  readonly s3: S3Client;
  /** CloudTrail in the probe's region (DescribeTrails). */
  readonly cloudTrail: CloudTrailClient;
  /** CloudTrail in a trail's home region (GetTrailStatus). @default `cloudTrail` */
  readonly cloudTrailIn?: (region: string) => CloudTrailClient;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** Runs a read; access denied becomes ProbeAccessDeniedError, a missing thing `undefined` (by error name). */
async function read<T>(api: string, missing: readonly string[], run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const name = errorName(error);
    if (ACCESS_DENIED.has(name)) throw new ProbeAccessDeniedError(api, (error as Error).message, { cause: error });
    if (missing.includes(name)) return undefined;
    throw error;
  }
}

const DECISIONS: Readonly<Record<string, SimulatedDecision>> = { allowed: 'allowed', implicitDeny: 'implicitDeny', explicitDeny: 'explicitDeny' };

/** `jit doctor`'s reads with the AWS SDK, each the documented read-only API. */
export class AwsDeploymentProbe implements DeploymentProbe {
  constructor(private readonly clients: AwsDeploymentProbeClients) {}

  async callerAccount(): Promise<string> {
    const identity = await read('sts:GetCallerIdentity', [], () => this.clients.sts.send(new GetCallerIdentityCommand({})));
    if (!identity?.Account) throw new Error('GetCallerIdentity returned no account.');
    return identity.Account;
  }

  /**
   * DescribeStacks answers ValidationError "Stack with id X does not exist" for an unknown name.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
   */
  async stack(name: string, region?: string): Promise<StackFacts | undefined> {
    const client = region ? (this.clients.cloudFormationIn?.(region) ?? this.clients.cloudFormation) : this.clients.cloudFormation;
    try {
      const answer = await read('cloudformation:DescribeStacks', [], () => client.send(new DescribeStacksCommand({ StackName: name })));
      const stack = answer?.Stacks?.[0];
      if (!stack) return undefined;
      const outputs: Record<string, string> = {};
      for (const output of stack.Outputs ?? []) if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
      return { status: String(stack.StackStatus), ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}), outputs };
    } catch (error) {
      if (errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
      throw error;
    }
  }

  /** @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html */
  async sesAccount(): Promise<SesAccountFacts> {
    const account = await read('ses:GetAccount', [], () => this.clients.sesv2.send(new GetAccountCommand({})));
    return { productionAccessEnabled: account?.ProductionAccessEnabled === true, sendingEnabled: account?.SendingEnabled !== false };
  }

  /** @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html */
  async emailIdentity(identity: string): Promise<EmailIdentityFacts | undefined> {
    const answer = await read('ses:GetEmailIdentity', ['NotFoundException'], () => this.clients.sesv2.send(new GetEmailIdentityCommand({ EmailIdentity: identity })));
    if (!answer) return undefined;
    return { verifiedForSending: answer.VerifiedForSendingStatus === true, ...(answer.VerificationStatus ? { verificationStatus: answer.VerificationStatus } : {}) };
  }

  /** @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html */
  async secretValue(name: string): Promise<string | undefined> {
    const answer = await read('secretsmanager:GetSecretValue', ['ResourceNotFoundException'], () => this.clients.secretsManager.send(new GetSecretValueCommand({ SecretId: name })));
    return answer ? (answer.SecretString ?? '') : undefined;
  }

  /** @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html */
  async secretArn(name: string): Promise<string | undefined> {
    const answer = await read('secretsmanager:DescribeSecret', ['ResourceNotFoundException'], () => this.clients.secretsManager.send(new DescribeSecretCommand({ SecretId: name })));
    return answer?.ARN;
  }

  /**
   * GetRole returns the trust policy URL-encoded (RFC 3986).
   * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
   */
  async roleTrustPolicy(roleName: string): Promise<unknown> {
    const answer = await read('iam:GetRole', ['NoSuchEntityException', 'NoSuchEntity'], () => this.clients.iam.send(new GetRoleCommand({ RoleName: roleName })));
    const document = answer?.Role?.AssumeRolePolicyDocument;
    if (document === undefined) return undefined;
    return JSON.parse(decodeURIComponent(document));
  }

  /**
   * One SimulatePrincipalPolicy call per request, following `Marker` while `IsTruncated`.
   * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
   */
  async simulate(request: SimulationRequest): Promise<SimulationResult[]> {
    const results: SimulationResult[] = [];
    let marker: string | undefined;
    do {
      const answer = await read('iam:SimulatePrincipalPolicy', [], () =>
        this.clients.iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: request.principalArn,
            ActionNames: [...request.actions],
            ResourceArns: [...request.resources],
            ...(request.context.length > 0
              ? { ContextEntries: request.context.map((c) => ({ ContextKeyName: c.key, ContextKeyValues: [...c.values], ContextKeyType: c.type })) }
              : {}),
            ...(marker ? { Marker: marker } : {}),
          }),
        ),
      );
      for (const r of answer?.EvaluationResults ?? []) {
        results.push({ action: r.EvalActionName ?? '', resource: r.EvalResourceName ?? '*', decision: DECISIONS[r.EvalDecision ?? ''] ?? 'implicitDeny' });
      }
      marker = answer?.IsTruncated ? answer.Marker : undefined;
    } while (marker);
    return results;
  }

  /**
   * DescribeTrails (with shadow trails: multi-region trails of other home regions), then GetTrailStatus
   * of each in its home region.
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
   */
  async trails(): Promise<TrailFacts[]> {
    const answer = await read('cloudtrail:DescribeTrails', [], () => this.clients.cloudTrail.send(new DescribeTrailsCommand({ includeShadowTrails: true })));
    const trails: TrailFacts[] = [];
    for (const trail of answer?.trailList ?? []) {
      if (!trail.TrailARN || !trail.HomeRegion) continue;
      const client = this.clients.cloudTrailIn?.(trail.HomeRegion) ?? this.clients.cloudTrail;
      const status = await read('cloudtrail:GetTrailStatus', ['TrailNotFoundException'], () => client.send(new GetTrailStatusCommand({ Name: trail.TrailARN })));
      trails.push({ name: trail.Name ?? trail.TrailARN, arn: trail.TrailARN, homeRegion: trail.HomeRegion, multiRegion: trail.IsMultiRegionTrail === true, logging: status?.IsLogging === true });
    }
    return trails;
  }

  /**
   * A bucket with Object Lock never enabled answers ObjectLockConfigurationNotFoundError.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html
   */
  async objectLock(bucket: string): Promise<ObjectLockFacts | undefined> {
    try {
      const answer = await read('s3:GetBucketObjectLockConfiguration', ['NoSuchBucket'], () => this.clients.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })));
      if (!answer) return undefined;
      const configuration = answer.ObjectLockConfiguration;
      const retention = configuration?.Rule?.DefaultRetention;
      return {
        enabled: configuration?.ObjectLockEnabled === 'Enabled',
        ...(retention?.Mode ? { mode: retention.Mode } : {}),
        ...(retention?.Days !== undefined ? { days: retention.Days } : {}),
        ...(retention?.Years !== undefined ? { years: retention.Years } : {}),
      };
    } catch (error) {
      if (errorName(error) === 'ObjectLockConfigurationNotFoundError') return { enabled: false };
      throw error;
    }
  }
}
