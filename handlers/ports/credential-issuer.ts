export interface AssumeElevatedRoleInput {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sourceIdentity: string;
  readonly durationSeconds: number;
  readonly sessionPolicy: string;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** When STS says the credentials stop working. */
  readonly expiration: Date;
}

/** Mints temporary credentials for an elevated role in a target account. */
export interface CredentialIssuer {
  assumeElevatedRole(input: AssumeElevatedRoleInput): Promise<IssuedCredentials>;
}
