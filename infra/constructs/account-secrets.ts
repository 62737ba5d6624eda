import { RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PLACEHOLDER_SECRET_STRING } from '../../handlers/core/secret-value';
import { secretNameFor } from '../../handlers/core/resource-names';

export interface AccountSecretsProps {
  /** Target account ids; one secret each. */
  readonly accountIds: readonly string[];
  /**
   * ARNs (`aws:PrincipalArn`, a role's ARN for its sessions) of the only principals that may write a
   * secret's value: the broker's mint and reset roles.
   */
  readonly writerArns: readonly string[];
  /** ARNs of the only principals that may read a secret's value: the agent and the broker. */
  readonly readerArns: readonly string[];
}

/** Actions that change what a secret hands out. `UpdateSecret` is among them: it can carry a new value. */
export const SECRET_WRITE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

/**
 * One secret `agent/elevated/<account>` per target account, created holding the placeholder
 * `{"status":"inactive"}`. The broker writes grants into it; the agent reads it.
 *
 * Each secret carries a resource policy that denies writing its value to every principal but the
 * writers and reading it to every principal but the readers, whatever their identity policies allow
 * (invariant 5, docs/security-invariants.md). The policy deliberately leaves `PutResourcePolicy`, `DeleteResourcePolicy` and
 * `DeleteSecret` to identity policies: a resource policy that denied those to everyone but the broker
 * would also lock out CloudFormation and the account's administrators, and a stack update or deletion
 * could then never succeed. Who may change a secret's policy is the hub account's IAM (or an SCP) to
 * decide; see docs/deploy.md.
 */
export class AccountSecrets extends Construct {
  readonly secrets: ReadonlyMap<string, secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: AccountSecretsProps) {
    super(scope, id);
    if (props.writerArns.length === 0) throw new Error('AccountSecrets: writerArns must name at least one principal. Received: []');
    if (props.readerArns.length === 0) throw new Error('AccountSecrets: readerArns must name at least one principal. Received: []');
    const secrets = new Map<string, secretsmanager.Secret>();
    for (const accountId of props.accountIds) {
      const secret = new secretsmanager.Secret(this, `Secret${accountId}`, {
        secretName: secretNameFor(accountId),
        description: `Just-in-time credentials for account ${accountId}; the placeholder when no grant is active.`,
        // Not a secret: the inactive placeholder. Grants are written by the broker at run time.
        secretStringValue: SecretValue.unsafePlainText(PLACEHOLDER_SECRET_STRING),
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Hand-written denies: a grant-style Allow would add nothing against a principal whose own
      // identity policy already allows `secretsmanager:*`; only an explicit deny stops it.
      secret.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyTheBrokerWritesGrants',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: [...SECRET_WRITE_ACTIONS],
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...props.writerArns] } },
        }),
      );
      secret.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyTheAgentAndTheBrokerReadGrants',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...props.readerArns] } },
        }),
      );
      secrets.set(accountId, secret);
    }
    this.secrets = secrets;
  }

  /** Full ARNs of all the secrets (with Secrets Manager's random suffix), for the broker's own roles. */
  get secretArns(): string[] {
    return [...this.secrets.values()].map((s) => s.secretArn);
  }

  /**
   * ARN patterns `...:secret:agent/elevated/<id>-??????`, one per secret and never a wildcard over names:
   * `??????` matches exactly the six random characters Secrets Manager appends (docs/aws-facts.md).
   */
  get secretArnPatterns(): string[] {
    const stack = Stack.of(this);
    return [...this.secrets.keys()].map(
      (accountId) => `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${secretNameFor(accountId)}-??????`,
    );
  }
}
