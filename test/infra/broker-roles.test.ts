import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { asList, identityPoliciesOf, synthesizedStack } from '../helpers/iam-template';
import { synthApp } from '../helpers/synth';
import { join } from 'node:path';
import { loadJitConfig } from '../../infra/config/load-config';

const { stacks } = synthApp();
const broker = synthesizedStack(stacks.broker);

function policiesOf(role: IConstruct) {
  const cfn = role.node.defaultChild as CfnElement;
  return identityPoliciesOf(broker, Stack.of(cfn).getLogicalId(cfn));
}

function actionsOf(role: IConstruct): string[] {
  const policies = policiesOf(role);
  const actions = policies.flatMap((p) => p.policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => asList(s.Action)));
  return [...new Set(actions)].sort();
}

/** What each function's code calls (handlers/adapters/aws/*), plus writing its own log group. */
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

describe('BrokerStack: each function role holds only what that function calls', () => {
  it.each([
    ['register', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    [
      'requestApproval',
      ['access-analyzer:CheckAccessNotGranted', 'access-analyzer:CheckNoNewAccess', 'access-analyzer:ValidatePolicy', 'dynamodb:UpdateItem', 'events:PutEvents', 'ses:SendEmail'],
    ],
    [
      'mint',
      [
        'access-analyzer:CheckAccessNotGranted',
        'access-analyzer:CheckNoNewAccess',
        'access-analyzer:ValidatePolicy',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'iam:PassRole',
        'scheduler:CreateSchedule',
        'scheduler:UpdateSchedule',
        'secretsmanager:DescribeSecret',
        'secretsmanager:PutSecretValue',
        // A slow write's restamp is made current by a compare-and-swap (mint-grant.ts).
        'secretsmanager:UpdateSecretVersionStage',
        'sts:AssumeRole',
        'sts:SetSourceIdentity',
      ],
    ],
    ['reset', ['events:PutEvents', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']],
    // ses:SendEmail: the notice before a grant expires, to the approvers who approved it.
    ['notify', ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'events:PutEvents', 'ses:SendEmail']],
    ['audit', ['dynamodb:GetItem', 'kms:Sign', 's3:PutObject', 'sts:AssumeRole']],
    [
      'revoke',
      // ses:SendEmail: the example config has tripwires, whose trips the revoke function mails to the approvers.
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'events:PutEvents', 'iam:PassRole', 'lambda:InvokeFunction', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'ses:SendEmail', 'sts:AssumeRole'],
    ],
  ] as const)('%s', (name, expected) => {
    const fn = stacks.broker.functions[name];
    expect(actionsOf(fn.role)).toEqual([...expected, ...LOGS].sort());
  });

  it('lets RequestApproval and the mint ask IAM Access Analyzer policy checks only, on the policy text they pass (Resource *)', () => {
    // Prepare
    const checks = ['access-analyzer:ValidatePolicy', 'access-analyzer:CheckNoNewAccess', 'access-analyzer:CheckAccessNotGranted'];
    const statementsOf = (name: 'requestApproval' | 'mint') => policiesOf(stacks.broker.functions[name].role).flatMap((p) => p.policy.Statement);

    // Act
    const approval = statementsOf('requestApproval').find((s) => s.Sid === 'ProveSessionPoliciesForTheApprovers');
    const mint = statementsOf('mint').find((s) => s.Sid === 'ProveSessionPoliciesBeforeMinting');

    // Assess
    expect(approval).toMatchObject({ Effect: 'Allow', Action: checks, Resource: '*' });
    expect(mint).toMatchObject({ Effect: 'Allow', Action: checks, Resource: '*' });
    expect(approval).not.toHaveProperty('Condition');
  });

  it('with approval.rules, lets RequestApproval read a request and answer the task of the elevation state machine only', () => {
    // Prepare
    const withRules = synthApp(loadJitConfig(join(__dirname, '..', 'configs', 'approval-rules.config.json'))).stacks.broker;
    const template = synthesizedStack(withRules);
    const cfn = withRules.functions.requestApproval.role.node.defaultChild as CfnElement;

    // Act
    const statements = identityPoliciesOf(template, Stack.of(cfn).getLogicalId(cfn)).flatMap((p) => p.policy.Statement);

    // Assess
    expect(statements.find((s) => s.Sid === 'AnswerTheTaskWhenARuleApproves')).toMatchObject({
      Effect: 'Allow',
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Resource: 'arn:aws:states:eu-west-1:111111111111:stateMachine:jit-elevation',
    });
    expect(statements.flatMap((s) => asList(s.Action))).toContain('dynamodb:GetItem');
  });

  it('lets the revoke role assume the target revoker roles, reset only through the reset function, and schedule only lifts', () => {
    const statements = policiesOf(stacks.broker.revokeRole.role).flatMap((p) => p.policy.Statement);
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('AssumeTargetRevokerRoles')).toMatchObject({
      Action: 'sts:AssumeRole',
      Resource: ['arn:aws:iam::222222222222:role/jit-revoker', 'arn:aws:iam::333333333333:role/jit-revoker'],
    });
    expect(bySid('ResetTheRevokedGrant')).toMatchObject({ Action: 'lambda:InvokeFunction', Resource: expect.stringMatching(/:function:JitBroker-ResetFunction/) });
    expect(bySid('ScheduleTheRevocationLift')?.Resource).toBe('arn:aws:scheduler:eu-west-1:111111111111:schedule/jit-broker-resets/jit-lift-*');
    expect(bySid('PassTheLiftSchedulerRoleToSchedulerOnly')).toMatchObject({
      Resource: 'arn:aws:iam::111111111111:role/jit-broker-lift-scheduler',
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    // Never a secret: the revoke role cannot write (or read) any credential.
    expect(statements.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('lets the mint role pass the scheduler role to EventBridge Scheduler only', () => {
    const passRole = policiesOf(stacks.broker.functions.mint.role).flatMap((p) => p.policy.Statement).find((s) => s.Action === 'iam:PassRole');
    expect(passRole).toMatchObject({
      Resource: 'arn:aws:iam::111111111111:role/jit-broker-reset-scheduler',
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });

  const leaseRead = expect.objectContaining({ Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LEASE#*'] } } });
  const readsOf = (name: 'register' | 'mint' | 'notify') =>
    policiesOf(stacks.broker.functions[name].role)
      .flatMap((p) => p.policy.Statement)
      .filter((s) => [s.Action].flat().includes('dynamodb:GetItem'));

  it('lets the notify role read the grant leases and, of a request, only whether its grant is still live (a projection it must name)', () => {
    expect(readsOf('notify')).toEqual([
      expect.objectContaining({
        Sid: 'ReadWhetherTheGrantIsStillLive',
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['status', 'grant', 'revokedAt', 'decision', 'routing'] },
          Null: { 'dynamodb:Attributes': 'false' },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
      leaseRead,
    ]);
  });

  it('lets the notify role send email as the broker only', () => {
    const send = policiesOf(stacks.broker.functions.notify.role).flatMap((p) => p.policy.Statement).find((s) => s.Sid === 'SendExpiryNoticeAsTheBrokerOnly');
    expect(send).toMatchObject({ Action: 'ses:SendEmail', Condition: { StringEquals: { 'ses:FromAddress': expect.stringContaining('@') } } });
  });

  it('lets the register role read the leases and, to tell its own retry from a different request under the id, requests', () => {
    expect(readsOf('register')).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: 'arn:aws:dynamodb:eu-west-1:111111111111:table/jit-requests' }),
      leaseRead,
    ]);
  });

  it('lets the mint role read the leases and, of a request, only the credentials it recorded (a projection it must name)', () => {
    expect(readsOf('mint')).toEqual([
      leaseRead,
      expect.objectContaining({
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'issuedCredentials'] },
          Null: { 'dynamodb:Attributes': 'false' },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    ]);
  });

  const quotaWrite = (name: 'register' | 'notify') =>
    policiesOf(stacks.broker.functions[name].role)
      .flatMap((p) => p.policy.Statement)
      .filter((s) => [s.Action].flat().includes('dynamodb:UpdateItem'));

  it("lets the register role update only its agents' quota items (pending and hourly), only their attributes, never a request", () => {
    expect(quotaWrite('register')).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:UpdateItem',
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PENDING#*', 'RATE#*'], 'dynamodb:Attributes': ['requestId', 'holders', 'updatedAt', 'expiresAtEpoch'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    ]);
  });

  it('lets the notify role give pending slots back, never touch the hourly counts', () => {
    expect(quotaWrite('notify')).toContainEqual(
      expect.objectContaining({
        Sid: 'RequestQuotasUpdateItem',
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PENDING#*'], 'dynamodb:Attributes': ['requestId', 'holders', 'updatedAt', 'expiresAtEpoch'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );
  });

  it('lets the mint role write only the lease attributes of lease items', () => {
    const statements = policiesOf(stacks.broker.functions.mint.role).flatMap((p) => p.policy.Statement);
    const leaseWrite = statements.find((s) => s.Sid === 'GrantLeasesUpdateItem');
    expect(leaseWrite).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Condition: {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': ['LEASE#*'],
          'dynamodb:Attributes': ['requestId', 'holder', 'agentId', 'accountId', 'expiresAt', 'expiresAtMs', 'updatedAt', 'expiresAtEpoch'],
        },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
      },
    });
  });
});
