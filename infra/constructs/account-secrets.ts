import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PLACEHOLDER_SECRET_STRING } from '../../handlers/core/secret-value';
import { secretNameFor } from '../../handlers/core/broker-settings';

export interface AccountSecretsProps {
  /** Target account ids; one secret each. */
  readonly accountIds: readonly string[];
}

/**
 * One secret `agent/elevated/<account>` per target account, created holding the placeholder
 * `{"status":"inactive"}`. The broker writes grants into it; the agent reads it.
 */
export class AccountSecrets extends Construct {
  readonly secrets: ReadonlyMap<string, secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: AccountSecretsProps) {
    super(scope, id);
    const secrets = new Map<string, secretsmanager.Secret>();
    for (const accountId of props.accountIds) {
      secrets.set(
        accountId,
        new secretsmanager.Secret(this, `Secret${accountId}`, {
          secretName: secretNameFor(accountId),
          description: `Just-in-time credentials for account ${accountId}; the placeholder when no grant is active.`,
          // Not a secret: the inactive placeholder. Grants are written by the broker at run time.
          secretStringValue: SecretValue.unsafePlainText(PLACEHOLDER_SECRET_STRING),
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      );
    }
    this.secrets = secrets;
  }

  /** ARN patterns of all the secrets (`...:secret:agent/elevated/<id>-??????`), never a wildcard over names. */
  get secretArns(): string[] {
    return [...this.secrets.values()].map((s) => s.secretArn);
  }
}
