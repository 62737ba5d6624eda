import { RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PLACEHOLDER_SECRET_STRING } from '../../handlers/core/secret-value';
import { type AgentRef, agentSecretName } from '../../handlers/core/agents';

/** An agent whose secrets this construct holds, and the ARN its requests carry as `aws:PrincipalArn`. */
export interface SecretReader {
  readonly agent: AgentRef;
  readonly principalArn: string;
}

export interface AccountSecretsProps {
  /** Target account ids; one secret each per agent. */
  readonly accountIds: readonly string[];
  /**
   * The agents, first one primary: each gets one secret per account that only it (and `readerArns`) may
   * read. The first agent's secrets keep the seed's names and construct ids.
   */
  readonly agents: readonly SecretReader[];
  /**
   * ARNs (`aws:PrincipalArn`, a role's ARN for its sessions) of the only principals that may write a
   * secret's value: the broker's mint and reset roles.
   */
  readonly writerArns: readonly string[];
  /** ARNs of the principals besides the secret's own agent that may read a secret's value: the broker's. */
  readonly readerArns: readonly string[];
}

/** Actions that change what a secret hands out. `UpdateSecret` is among them: it can carry a new value. */
export const SECRET_WRITE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

/**
 * One secret per agent and target account — `agent/elevated/<account>` for the first agent,
 * `agent/<id>/elevated/<account>` for the others — created holding the placeholder `{"status":"inactive"}`.
 * The broker writes grants into it; its agent, and no other, reads it.
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
  /** The first agent's secrets, by account id. */
  readonly secrets: ReadonlyMap<string, secretsmanager.Secret>;
  /** Every agent's secrets: agent id → account id → secret. */
  readonly byAgent: ReadonlyMap<string, ReadonlyMap<string, secretsmanager.Secret>>;
  private readonly agents: readonly AgentRef[];

  constructor(scope: Construct, id: string, props: AccountSecretsProps) {
    super(scope, id);
    if (props.writerArns.length === 0) throw new Error('AccountSecrets: writerArns must name at least one principal. Received: []');
    if (props.agents.length === 0) throw new Error('AccountSecrets: agents must name at least one agent. Received: []');
    const byAgent = new Map<string, Map<string, secretsmanager.Secret>>();
    for (const { agent, principalArn } of props.agents) {
      const secrets = new Map<string, secretsmanager.Secret>();
      for (const accountId of props.accountIds) {
        // The first agent's construct ids are the ones shipped before several agents: resource identities.
        const constructId = agent.primary ? `Secret${accountId}` : `Secret${pascal(agent.id)}${accountId}`;
        secrets.set(accountId, this.secretFor(constructId, agentSecretName(agent, accountId), accountId, agent, props.writerArns, [principalArn, ...props.readerArns]));
      }
      byAgent.set(agent.id, secrets);
    }
    this.byAgent = byAgent;
    this.agents = props.agents.map((a) => a.agent);
    this.secrets = byAgent.get(this.agents[0].id)!;
  }

  private secretFor(
    constructId: string,
    secretName: string,
    accountId: string,
    agent: AgentRef,
    writerArns: readonly string[],
    readerArns: readonly string[],
  ): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, constructId, {
      secretName,
      description: agent.primary
        ? `Just-in-time credentials for account ${accountId}; the placeholder when no grant is active.`
        : `Just-in-time credentials of agent ${agent.id} for account ${accountId}; the placeholder when no grant is active.`,
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
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...writerArns] } },
      }),
    );
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        // Its own agent only: another agent's identity policy may never name this secret, and if it did, this denies it.
        sid: 'OnlyTheAgentAndTheBrokerReadGrants',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...readerArns] } },
      }),
    );
    return secret;
  }

  /** Full ARNs of all the secrets of every agent (with Secrets Manager's random suffix), for the broker's own roles. */
  get secretArns(): string[] {
    return [...this.byAgent.values()].flatMap((secrets) => [...secrets.values()].map((s) => s.secretArn));
  }

  /**
   * ARN patterns `...:secret:agent/elevated/<id>-??????`, one per secret and never a wildcard over names:
   * `??????` matches exactly the six random characters Secrets Manager appends (docs/aws-facts.md).
   */
  get secretArnPatterns(): string[] {
    return this.secretArnPatternsOf(this.agents[0]);
  }

  /** The same patterns for one agent's secrets only: what that agent's standing policy may read. */
  secretArnPatternsOf(agent: AgentRef): string[] {
    const stack = Stack.of(this);
    return [...(this.byAgent.get(agent.id)?.keys() ?? [])].map(
      (accountId) => `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${agentSecretName(agent, accountId)}-??????`,
    );
  }
}

/** `ops-bot` → `OpsBot`, for construct ids. */
export function pascal(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
