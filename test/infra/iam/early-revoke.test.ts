import { assumedRoleSessionArn, BROKER_NAMES } from '../../../handlers/core/resource-names';
import { evaluate } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOfRole, managedPolicyNamed, secretResourcePolicy, trustPolicyOf } from '../../helpers/iam-template';

const f = iamFixture();
/** An approver signs in to the hub through a role of their own (a session of it signs the calls). */
const approver = assumedRoleSessionArn('aws', f.hub, 'OnCall', 'alice');
const approverPolicies = [{ name: BROKER_NAMES.approverPolicy, policy: managedPolicyNamed(f.broker, BROKER_NAMES.approverPolicy) }];
/** The revoke function's Lambda session. */
const revokeRole = assumedRoleSessionArn('aws', f.hub, BROKER_NAMES.revokeRole, 'JitBroker-RevokeFunction');
const revokePolicies = identityPoliciesOfRole(f.broker, BROKER_NAMES.revokeRole);
/** The function's ARN as the template resolves it (`JitBroker-<logical id>`). */
const fnArn = (construct: string) => {
  const logicalId = Object.keys(f.broker.resources).find((id) => id.startsWith(construct) && f.broker.resources[id].Type === 'AWS::Lambda::Function');
  if (!logicalId) throw new Error(`no function ${construct}`);
  return `arn:aws:lambda:${f.region}:${f.hub}:function:JitBroker-${logicalId}`;
};

describe('Early revoke: who may do what, evaluated from the synthesized policies', () => {
  it('lets an approver with jit-approver invoke the revoke function, and nothing else of the revocation', async () => {
    const as = (action: string, resource: string) => evaluate({ principal: approver, action, resource, identityPolicies: approverPolicies });

    await expect(as('lambda:InvokeFunction', `arn:aws:lambda:${f.region}:${f.hub}:function:${BROKER_NAMES.revokeFunction}`)).resolves.toBe('Allowed');
    await expect(as('lambda:InvokeFunction', fnArn('ResetFunction'))).resolves.toBe('ImplicitlyDenied');
    await expect(as('lambda:InvokeFunction', `${`arn:aws:lambda:${f.region}:${f.hub}:function:${BROKER_NAMES.revokeFunction}`}:1`)).resolves.toBe('ImplicitlyDenied');
    await expect(as('sts:AssumeRole', `arn:aws:iam::${f.prodAccount}:role/jit-revoker`)).resolves.toBe('ImplicitlyDenied');
    await expect(as('secretsmanager:PutSecretValue', f.secretArn(f.prodAccount))).resolves.toBe('ImplicitlyDenied');
  });

  it('does not let an approver write the revocation record themselves: the function records who STS says they are', async () => {
    const table = `arn:aws:dynamodb:${f.region}:${f.hub}:table/${BROKER_NAMES.requestTable}`;
    const decision = await evaluate({
      principal: approver,
      action: 'dynamodb:UpdateItem',
      resource: table,
      identityPolicies: approverPolicies,
      request: { dynamodbAttributes: ['requestId', 'status', 'revokedAt', 'revokedBy'] },
    });
    expect(decision).toBe('ImplicitlyDenied');
  });

  it('lets the revoke role reset only through the reset function, never by writing a secret', async () => {
    const as = (action: string, resource: string) => evaluate({ principal: revokeRole, action, resource, identityPolicies: revokePolicies });
    await expect(as('lambda:InvokeFunction', fnArn('ResetFunction'))).resolves.toBe('Allowed');
    await expect(as('lambda:InvokeFunction', fnArn('MintFunction'))).resolves.toBe('ImplicitlyDenied');
    await expect(as('secretsmanager:GetSecretValue', f.secretArn(f.prodAccount))).resolves.toBe('ImplicitlyDenied');
    const write = await evaluate({
      principal: revokeRole,
      action: 'secretsmanager:PutSecretValue',
      resource: f.secretArn(f.prodAccount),
      identityPolicies: revokePolicies,
      resourcePolicy: secretResourcePolicy(f.broker, `agent/elevated/${f.prodAccount}`),
    });
    expect(write).toBe('ExplicitlyDenied');
  });

  it('lets the revoke role schedule only lifts, run by the lift scheduler role', async () => {
    const as = (action: string, resource: string, passedToService?: string) =>
      evaluate({ principal: revokeRole, action, resource, identityPolicies: revokePolicies, ...(passedToService ? { request: { passedToService } } : {}) });
    const schedules = `arn:aws:scheduler:${f.region}:${f.hub}:schedule/${BROKER_NAMES.scheduleGroup}`;
    await expect(as('scheduler:CreateSchedule', `${schedules}/jit-lift-req-1234abcd`)).resolves.toBe('Allowed');
    await expect(as('scheduler:CreateSchedule', `${schedules}/jit-reset-req-1234abcd`)).resolves.toBe('ImplicitlyDenied');
    await expect(as('scheduler:DeleteSchedule', `${schedules}/jit-reset-req-1234abcd`)).resolves.toBe('ImplicitlyDenied');
    const lifter = f.brokerRoleArn(BROKER_NAMES.liftSchedulerRole);
    await expect(as('iam:PassRole', lifter, 'scheduler.amazonaws.com')).resolves.toBe('Allowed');
    await expect(as('iam:PassRole', lifter, 'lambda.amazonaws.com')).resolves.toBe('ImplicitlyDenied');
    await expect(as('iam:PassRole', f.brokerRoleArn(BROKER_NAMES.schedulerRole), 'scheduler.amazonaws.com')).resolves.toBe(
      'ImplicitlyDenied',
    );
  });

  it('lets the lift scheduler role invoke the revoke function only, and only Scheduler of this account assume it', async () => {
    const policies = identityPoliciesOfRole(f.broker, BROKER_NAMES.liftSchedulerRole);
    const session = assumedRoleSessionArn('aws', f.hub, BROKER_NAMES.liftSchedulerRole, 'lift');
    const as = (resource: string) => evaluate({ principal: session, action: 'lambda:InvokeFunction', resource, identityPolicies: policies });
    await expect(as(`arn:aws:lambda:${f.region}:${f.hub}:function:${BROKER_NAMES.revokeFunction}`)).resolves.toBe('Allowed');
    await expect(as(fnArn('ResetFunction'))).resolves.toBe('ImplicitlyDenied');
    expect(trustPolicyOf(f.broker, BROKER_NAMES.liftSchedulerRole).Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': f.hub } },
      }),
    ]);
  });
});
