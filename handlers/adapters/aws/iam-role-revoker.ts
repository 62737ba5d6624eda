import { DeleteRolePolicyCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { revokerRoleArn } from '../../core/resource-names';
import type { RevocationPolicy } from '../../core/revocation-policy';
import type { RoleRevoker } from '../../ports/role-revoker';
import type { HttpHandler } from '@smithy/protocol-http';

export interface IamRoleRevokerOptions {
  /** STS client of the broker's revoke role. */
  readonly sts: STSClient;
  readonly partition: string;
  /** Builds the IAM client of a target account; tests pass their own. */
  readonly iamClient?: (credentials: () => Promise<AwsCredentialIdentity>) => IAMClient;
  /** Where the IAM clients send their calls instead of IAM's endpoint (the local sandbox). @default IAM's */
  readonly endpoint?: string;
  /** What sends their signed requests (the local sandbox's direct transport). @default the SDK's HTTP handler */
  readonly requestHandler?: HttpHandler;
}

/**
 * The early-revoke deny in target accounts, written through each account's `jit-revoker` role (which
 * may only put, get and delete inline policies on the elevated roles).
 */
export class IamRoleRevoker implements RoleRevoker {
  private readonly clients = new Map<string, IAMClient>();

  constructor(private readonly options: IamRoleRevokerOptions) {}

  private clientFor(accountId: string): IAMClient {
    let client = this.clients.get(accountId);
    if (client) return client;
    let cached: Promise<AwsCredentialIdentity> | undefined;
    const assume = async (): Promise<AwsCredentialIdentity> => {
      const r = await this.options.sts.send(
        new AssumeRoleCommand({ RoleArn: revokerRoleArn(this.options.partition, accountId), RoleSessionName: 'jit-revoke', DurationSeconds: 900 }),
      );
      const c = r.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`No revoker credentials for account ${accountId}.`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    };
    const credentials = (): Promise<AwsCredentialIdentity> => {
      cached ??= assume().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return cached;
    };
    // IAM is global; its endpoint lives in us-east-1 (aws partition).
    client = this.options.iamClient?.(credentials) ?? new IAMClient({
        region: 'us-east-1',
        credentials,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(this.options.requestHandler ? { requestHandler: this.options.requestHandler } : {}),
      });
    this.clients.set(accountId, client);
    return client;
  }

  async attachDeny(accountId: string, roleName: string, policy: RevocationPolicy): Promise<void> {
    await this.clientFor(accountId).send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policy.name, PolicyDocument: policy.document }));
  }

  async removeDeny(accountId: string, roleName: string, policyName: string): Promise<'removed' | 'absent'> {
    try {
      await this.clientFor(accountId).send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      return 'removed';
    } catch (error) {
      if (error instanceof NoSuchEntityException) return 'absent';
      throw error;
    }
  }
}
