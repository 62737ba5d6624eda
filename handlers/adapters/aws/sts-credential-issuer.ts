import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AssumeElevatedRoleInput, CredentialIssuer, IssuedCredentials } from '../../ports/credential-issuer';

/** Mints elevated credentials with STS AssumeRole from the broker's mint role. */
export class StsCredentialIssuer implements CredentialIssuer {
  constructor(private readonly client: STSClient) {}

  async assumeElevatedRole(input: AssumeElevatedRoleInput): Promise<IssuedCredentials> {
    const result = await this.client.send(
      new AssumeRoleCommand({
        RoleArn: input.roleArn,
        RoleSessionName: input.sessionName,
        SourceIdentity: input.sourceIdentity,
        DurationSeconds: input.durationSeconds,
        Policy: input.sessionPolicy,
      }),
    );
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
