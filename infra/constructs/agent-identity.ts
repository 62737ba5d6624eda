import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AGENT_EVENT_SOURCE } from '../../handlers/core/broker-event';
import type { AgentConfig } from '../config/jit-config';
import { agentNameOf } from '../config/load-config';

export interface AgentIdentityProps {
  /** How the agent authenticates, from config. */
  readonly agent: AgentConfig;
  /**
   * ARN patterns of the account secrets the agent reads, one per secret, each ending in `-??????`
   * (Secrets Manager appends six random characters). Never a wildcard over names.
   */
  readonly secretArnPatterns: readonly string[];
  /** The broker's bus, where the agent sends `Elevation Requested`. */
  readonly bus: events.IEventBus;
  /**
   * The only `source` the agent may put events with, which is how the broker tells agents apart.
   * @default `jit.agent`, the first agent's (the seed's)
   */
  readonly eventSource?: string;
}

/**
 * The agent's identity in the hub account, with exactly the standing permissions of invariant 1 (docs/security-invariants.md): read its
 * account secrets, look up CloudTrail events, ask who it is, and put events on the broker's bus with
 * source `jit.agent`. Nothing else: it cannot approve (no `states:SendTask*`, no request store), write a
 * secret, or assume an elevated role (their trust names only the broker's mint role).
 *
 * An IAM user gets no access keys from the stack; the operator creates and rotates them.
 */
export class AgentIdentity extends Construct {
  /** The IAM user or role the agent acts as. */
  readonly principal: iam.User | iam.Role;
  /** The agent's one standing policy. */
  readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: AgentIdentityProps) {
    super(scope, id);
    if (props.secretArnPatterns.length === 0) {
      throw new Error('AgentIdentity: secretArnPatterns must name at least one secret. Received: []');
    }
    const name = agentNameOf(props.agent);
    this.principal = props.agent.kind === 'user' ? new iam.User(this, 'User', { userName: name }) : agentRole(this, name, props.agent);

    // Hand-written: this policy is invariant 1 of docs/security-invariants.md word for word, and the tests evaluate it as such.
    this.policy = new iam.Policy(this, 'StandingPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadOwnGrantSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [...props.secretArnPatterns],
        }),
        new iam.PolicyStatement({
          sid: 'ReadOwnTrail',
          // Neither action supports resource-level permissions.
          actions: ['cloudtrail:LookupEvents', 'sts:GetCallerIdentity'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'RequestElevationOnTheBrokerBusOnly',
          actions: ['events:PutEvents'],
          resources: [props.bus.eventBusArn],
          // `events:source` is multivalued (one value per entry of a PutEvents call): every entry must say
          // this agent's source, and a call must carry at least one, since ForAllValues alone holds on an
          // empty set. The broker takes the requesting agent from that source, so no agent can ask as another.
          // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html
          conditions: {
            'ForAllValues:StringEquals': { 'events:source': [props.eventSource ?? AGENT_EVENT_SOURCE] },
            Null: { 'events:source': 'false' },
          },
        }),
      ],
    });
    if (this.principal instanceof iam.User) this.policy.attachToUser(this.principal);
    else this.policy.attachToRole(this.principal);
  }

  /**
   * Lets the agent receive the broker's notifications from a queue. The one sanctioned way to widen the
   * agent's standing permissions; anything added here must be read-only towards the broker.
   */
  grantConsumeNotifications(queue: sqs.IQueue): iam.Grant {
    return queue.grantConsumeMessages(this.principal);
  }
}

function agentRole(scope: Construct, name: string, agent: Extract<AgentConfig, { kind: 'role' }>): iam.Role {
  const principals: iam.IPrincipal[] = [
    ...(agent.trust.services ?? []).map((service) => new iam.ServicePrincipal(service)),
    ...(agent.trust.principals ?? []).map((arn) => new iam.ArnPrincipal(arn)),
  ];
  const anywhere = agent.trust.rolesAnywhere;
  // Only the listed trust anchors (and, if given, one certificate subject) may use the role.
  const anchorConditions = anywhere
    ? {
        ArnEquals: { 'aws:SourceArn': anywhere.trustAnchorArns },
        ...(anywhere.certificateCommonName ? { StringEquals: { 'aws:PrincipalTag/x509Subject/CN': anywhere.certificateCommonName } } : {}),
      }
    : undefined;
  const rolesAnywhere = new iam.ServicePrincipal('rolesanywhere.amazonaws.com');
  if (anchorConditions) principals.push(new iam.PrincipalWithConditions(rolesAnywhere, anchorConditions));

  const role = new iam.Role(scope, 'Role', {
    roleName: name,
    description: 'The JIT agent: no standing power beyond reading its grants and asking for elevation',
    assumedBy: new iam.CompositePrincipal(...principals),
    maxSessionDuration: Duration.hours(agent.maxSessionHours ?? 1),
  });
  if (anchorConditions) {
    // Roles Anywhere also tags the session and sets the SourceIdentity from the certificate.
    role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        principals: [rolesAnywhere],
        actions: ['sts:TagSession', 'sts:SetSourceIdentity'],
        conditions: anchorConditions,
      }),
    );
  }
  return role;
}
