import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { APPROVER_ROUTES } from '../handlers/http/approver-routes';
import type { BrokerStack } from './broker-stack';
import type { PolicyDocument } from './config/load-config';
import type { TargetAccountStack } from './target-account-stack';

/**
 * Every cdk-nag (AwsSolutions pack) finding the JIT stacks knowingly keep, each with its reason. The
 * tests run the pack over every stack and fail on any finding not acknowledged here.
 *
 * cdk-nag 3 acknowledges each finding separately (`IAM5[Action::s3:*]`, not `IAM5` as a whole), so a
 * new wildcard anywhere fails the tests until someone writes down why it is needed.
 */

function ack(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
}

/** How cdk-nag prints an `Fn::GetAtt <resource>.Arn`. */
function arnToken(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return `<${Stack.of(resource).getLogicalId(cfn)}.Arn>`;
}

function asArray(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** Wildcard actions and resources of the Allow statements of an operator's policy file. */
function wildcardsOf(policy: PolicyDocument): { actions: Set<string>; resources: Set<string> } {
  const actions = new Set<string>();
  const resources = new Set<string>();
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) if (action.includes('*')) actions.add(action);
    for (const resource of asArray(statement.Resource)) if (resource.includes('*')) resources.add(resource);
  }
  return { actions, resources };
}

function suppressBroker(broker: BrokerStack): void {
  // Every agent's secrets, in the broker stack (the first ten agents) and in the agents' nested stacks.
  const secrets = [broker.secrets, ...[...broker.agentStacks.values()].map((nested) => nested.secrets)].flatMap((s) => [...s.byAgent.values()].flatMap((m) => [...m.values()]));
  for (const secret of secrets) {
    ack(
      secret,
      'SMG4',
      'The secret holds short-lived STS credentials written by the broker for each grant and reset to a placeholder at expiry; there is no long-lived value for a rotation function to rotate.',
    );
  }
  ack(
    broker.auditBucket.bucket,
    'S1',
    'Reports are written only by the audit function and protected by versioning and Object Lock; record reads with CloudTrail S3 data events instead of a second logging bucket.',
  );
  ack(
    broker.approvals.api,
    'APIG4',
    'The review route is reached from an emailed link on a phone: the 256-bit single-use capability in the link, stored hashed and compared in constant time, is the authorization; the stage is throttled.',
  );
  if (broker.slack) {
    ack(broker.slack.failedHandOffs, 'SQS3', "This queue is itself the Slack function's on-failure destination for asynchronous invocations.");
  }
  const undeliverable = broker.node.findChild('UndeliverableRequests');
  ack(undeliverable, 'SQS3', 'This queue is itself the dead-letter queue of the request rule.');
  for (const notifications of broker.agentQueues.values()) {
    ack(
      notifications.queue,
      'SQS3',
      'Outcome notifications for the agent; an unread one simply expires (retention one hour). A redrive would move messages other waiters still read.',
    );
  }
  ack(
    broker.revokeRole.role,
    'IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/jit-broker-resets/jit-lift-*]',
    'Lift schedule names carry the request id, unknown at deploy time; the pattern is limited to lift schedules in the broker group.',
  );
  for (const agent of broker.agents.values()) {
    ack(
      agent.policy,
      'IAM5[Resource::*]',
      'cloudtrail:LookupEvents and sts:GetCallerIdentity support no resource-level permissions (invariant 1 of docs/security-invariants.md names both).',
    );
  }
  if (broker.agentStacks.size > 0) {
    const pattern = `IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${broker.region}:${broker.account}:secret:agent/*/elevated/*]`;
    for (const fn of [broker.functions.mint, broker.functions.reset]) {
      ack(
        fn.role,
        pattern,
        "The secrets of the agents after the tenth, by the name pattern they share (an ARN each would outgrow the role's 10,240 characters of inline policy); each secret's resource policy admits only the mint and reset roles as writers.",
      );
    }
  }

  const apiId = `<${Stack.of(broker.approvals.api).getLogicalId(broker.approvals.api.node.defaultChild as CfnElement)}>`;
  for (const route of APPROVER_ROUTES) {
    ack(
      broker.approverPolicy.policy,
      `IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${apiId}/*/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}]`,
      'One approver route: the stage wildcard is the API\'s one $default stage, the path wildcard the request id, unknown at deploy time.',
    );
  }

  const { functions } = broker;
  const machineRole = broker.workflow.stateMachine.role;
  // The mint proves the policy it passes; RequestApproval proves the policy as requested, for the approvers.
  for (const prover of [functions.mint, functions.requestApproval]) {
    ack(
      prover.role,
      'IAM5[Resource::*]',
      "IAM Access Analyzer's policy checks (ValidatePolicy, CheckNoNewAccess, CheckAccessNotGranted) act on the policy text they are given, not on a resource (docs/security-model.md, Proofs before minting).",
    );
  }
  ack(machineRole, 'IAM5[Resource::*]', 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords, sampling) supports no resource-level permissions.');
  for (const fn of Object.values(functions)) {
    ack(
      machineRole,
      `IAM5[Resource::${arnToken(fn.function)}:*]`,
      'Granted by LambdaInvoke: versions and aliases of this one broker function, nothing else.',
    );
  }
  const schedulerRole = broker.node.findChild('ResetSchedulerRole');
  ack(
    schedulerRole,
    `IAM5[Resource::${arnToken(functions.reset.function)}:*]`,
    'Granted by grantInvoke: versions and aliases of the reset function only.',
  );
  ack(
    functions.mint.role,
    'IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/jit-broker-resets/jit-reset-*]',
    'Schedule names carry the request id, unknown at deploy time; the pattern is limited to reset schedules in the broker group.',
  );
  ack(
    functions.audit.role,
    'IAM5[Action::s3:Abort*]',
    'Granted by grantPut: aborting its own multipart uploads of reports.',
  );
  ack(
    functions.audit.role,
    `IAM5[Resource::${arnToken(broker.auditBucket.bucket)}/reports/*]`,
    'Report keys carry the request id, unknown at deploy time; writes are limited to the reports/ prefix.',
  );
  ack(
    broker.auditorPolicy.policy,
    `IAM5[Resource::${arnToken(broker.auditBucket.bucket)}/reports/*]`,
    'An auditor reads any report, whose keys carry request ids unknown at deploy time; reads only, under reports/ only.',
  );
}

function suppressTarget(target: TargetAccountStack, policies: ReadonlyMap<string, PolicyDocument>): void {
  for (const [name, role] of target.elevatedRoles) {
    const policy = policies.get(name);
    if (!policy) continue;
    const reason =
      `Operator-defined permissions of the elevated role ${name} (its policy file in jit.config.json): granted only for ` +
      'an approved, time-fenced session and capped by the deny-always ceiling.';
    const { actions, resources } = wildcardsOf(policy);
    for (const action of actions) ack(role, `IAM5[Action::${action}]`, reason);
    for (const resource of resources) ack(role, `IAM5[Resource::${resource}]`, reason);
  }
  ack(
    target.ceiling.boundary,
    'IAM5[Action::*]',
    'A permissions boundary grants nothing: Allow * capped by the deny-always statements is the ceiling itself.',
  );
  ack(target.ceiling.boundary, 'IAM5[Resource::*]', 'A permissions boundary grants nothing; see Action::*.');
  ack(target.auditReader, 'IAM5[Resource::*]', 'cloudtrail:LookupEvents supports no resource-level permissions.');
}

/** Acknowledges the findings listed above on the constructs they belong to. */
export function applyNagSuppressions(
  stacks: { readonly broker: BrokerStack; readonly targets: ReadonlyMap<string, TargetAccountStack> },
  policies: ReadonlyMap<string, PolicyDocument>,
): void {
  suppressBroker(stacks.broker);
  for (const target of stacks.targets.values()) suppressTarget(target, policies);
}
