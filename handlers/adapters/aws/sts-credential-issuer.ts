import { AssumeRoleCommand, type AssumeRoleCommandOutput, type STSClient } from '@aws-sdk/client-sts';
import { PlanTooLargeError } from '../../core/session-policy';
import type { AssumeElevatedRoleInput, CredentialIssuer, IssuedCredentials } from '../../ports/credential-issuer';

/** Mints elevated credentials with STS AssumeRole from the broker's mint role. */
export class StsCredentialIssuer implements CredentialIssuer {
  constructor(private readonly client: STSClient) {}

  async assumeElevatedRole(input: AssumeElevatedRoleInput): Promise<IssuedCredentials> {
    let result: AssumeRoleCommandOutput;
    try {
      result = await this.client.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.sessionName,
          SourceIdentity: input.sourceIdentity,
          DurationSeconds: input.durationSeconds,
          Policy: input.sessionPolicy,
        }),
      );
    } catch (error) {
      // The packed limit applies on top of the 2,048 plaintext characters and cannot be computed in advance.
      // @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (PackedPolicyTooLarge)
      if (error instanceof Error && /PackedPolicyTooLarge/.test(error.name)) {
        throw new PlanTooLargeError(input.sessionPolicy.length, error.message, { cause: error });
      }
      throw error;
    }
    const c = result.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`AssumeRole of ${input.roleArn} returned no credentials.`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  }
}
