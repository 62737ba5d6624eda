import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { evaluate, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { secretResourcePolicy, trustPolicyOf } from '../../helpers/iam-template';

const f = iamFixture();
const agent = (action: string, resource: string, extra: { request?: RequestParameters; resourceAccount?: string } = {}) =>
  evaluate({ principal: f.agentArn, action, resource, identityPolicies: f.agentPolicies, ...extra });

describe('AgentIdentity: standing permissions, evaluated from the synthesized policy', () => {
  it('reads the secret of each configured account', async () => {
    // Prepare
    const prodSecret = f.secretArn(f.prodAccount);
    const stagingSecret = f.secretArn(f.stagingAccount);

    // Act / Assess
    await expect(agent('secretsmanager:GetSecretValue', prodSecret)).resolves.toBe('Allowed');
    await expect(agent('secretsmanager:GetSecretValue', stagingSecret)).resolves.toBe('Allowed');
  });

  it('is allowed to read its secret through the resource policy too', async () => {
    const secret = f.secretArn(f.prodAccount);
    const decision = await evaluate({
      principal: f.agentArn,
      action: 'secretsmanager:GetSecretValue',
      resource: secret,
      identityPolicies: f.agentPolicies,
      resourcePolicy: secretResourcePolicy(f.broker, `agent/elevated/${f.prodAccount}`),
    });
    expect(decision).toBe('Allowed');
  });

  it('cannot read another secret, even one whose name starts like its own', async () => {
    const region = `arn:aws:secretsmanager:${f.region}:${f.hub}:secret`;
    await expect(agent('secretsmanager:GetSecretValue', `${region}:agent/elevated/999999999999-AbCdEf`)).resolves.toBe('ImplicitlyDenied');
    await expect(agent('secretsmanager:GetSecretValue', `${region}:agent/elevated/${f.prodAccount}-extra-AbCdEf`)).resolves.toBe(
      'ImplicitlyDenied',
    );
    await expect(agent('secretsmanager:GetSecretValue', `${region}:prod/database-AbCdEf`)).resolves.toBe('ImplicitlyDenied');
  });

  it('cannot write any secret, its own included', async () => {
    for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage']) {
      await expect(agent(action, f.secretArn(f.prodAccount))).resolves.toBe('ImplicitlyDenied');
    }
  });

  it('cannot approve a request: no task callbacks', async () => {
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']) {
      await expect(agent(action, '*')).resolves.toBe('ImplicitlyDenied');
    }
  });

  it('cannot read the request store, where task tokens and capability hashes live', async () => {
    const table = `arn:aws:dynamodb:${f.region}:${f.hub}:table/${BROKER_NAMES.requestTable}`;
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem']) {
      await expect(agent(action, table)).resolves.toBe('ImplicitlyDenied');
    }
  });

  it.each(f.elevatedRoleNames)('cannot assume %s, even setting a broker-format source identity: neither its own policy nor the trust allows it', async (name) => {
    for (const action of ['sts:AssumeRole', 'sts:SetSourceIdentity']) {
      const decision = await evaluate({
        principal: f.agentArn,
        action,
        resource: `arn:aws:iam::${f.prodAccount}:role/${name}`,
        resourceAccount: f.prodAccount,
        identityPolicies: f.agentPolicies,
        resourcePolicy: trustPolicyOf(f.prod, name),
        request: { sourceIdentity: 'jit-req-agent-0001' },
      });
      expect(decision).not.toBe('Allowed');
    }
  });

  it('has no IAM permission at all', async () => {
    const cases: Array<[string, string]> = [
      ['iam:CreateAccessKey', `arn:aws:iam::${f.hub}:user/jit-agent`],
      ['iam:AttachUserPolicy', `arn:aws:iam::${f.hub}:user/jit-agent`],
      ['iam:PutUserPolicy', `arn:aws:iam::${f.hub}:user/jit-agent`],
      ['iam:CreateRole', `arn:aws:iam::${f.hub}:role/escape`],
      ['iam:PassRole', f.brokerRoleArn(BROKER_NAMES.mintRole)],
      ['iam:GetRole', f.brokerRoleArn(BROKER_NAMES.mintRole)],
    ];
    for (const [action, resource] of cases) await expect(agent(action, resource)).resolves.toBe('ImplicitlyDenied');
  });

  it('puts events on the broker bus only when every entry has source jit.agent', async () => {
    const bus = `arn:aws:events:${f.region}:${f.hub}:event-bus/${BROKER_NAMES.eventBus}`;
    // With no sources the key is absent: what AWS builds for an entry that omits `Source` (the API shape allows it).
    const put = (sources?: string[], resource = bus) => agent('events:PutEvents', resource, sources ? { request: { eventSources: sources } } : {});
    await expect(put(['jit.agent'])).resolves.toBe('Allowed');
    await expect(put(['jit.agent', 'jit.agent'])).resolves.toBe('Allowed');
    await expect(put(['jit.broker'])).resolves.toBe('ImplicitlyDenied');
    await expect(put(['jit.agent', 'jit.broker'])).resolves.toBe('ImplicitlyDenied');
    await expect(put()).resolves.toBe('ImplicitlyDenied');
    await expect(put(['jit.agent'], `arn:aws:events:${f.region}:${f.hub}:event-bus/default`)).resolves.toBe('ImplicitlyDenied');
  });

  it('looks up CloudTrail events and asks who it is', async () => {
    await expect(agent('cloudtrail:LookupEvents', '*')).resolves.toBe('Allowed');
    await expect(agent('sts:GetCallerIdentity', '*')).resolves.toBe('Allowed');
  });

  it('consumes its own notification queue (docs/security-invariants.md, invariant 1 as amended for --wait)', async () => {
    const queue = `arn:aws:sqs:${f.region}:${f.hub}:${BROKER_NAMES.notificationQueue}`;
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes']) {
      await expect(agent(action, queue)).resolves.toBe('Allowed');
    }
  });

  it('cannot forge, purge or reconfigure notifications, nor read any other queue', async () => {
    const queue = `arn:aws:sqs:${f.region}:${f.hub}:${BROKER_NAMES.notificationQueue}`;
    for (const action of ['sqs:SendMessage', 'sqs:PurgeQueue', 'sqs:SetQueueAttributes', 'sqs:DeleteQueue', 'sqs:AddPermission']) {
      await expect(agent(action, queue)).resolves.toBe('ImplicitlyDenied');
    }
    const other = `arn:aws:sqs:${f.region}:${f.hub}:JitBroker-UndeliverableRequests`;
    await expect(agent('sqs:ReceiveMessage', other)).resolves.toBe('ImplicitlyDenied');
  });

  it('cannot invoke the revoke function: it ends its own grant only by proving it holds it (jit end)', async () => {
    const fn = `arn:aws:lambda:${f.region}:${f.hub}:function:${BROKER_NAMES.revokeFunction}`;
    await expect(agent('lambda:InvokeFunction', fn)).resolves.toBe('ImplicitlyDenied');
  });

  it('holds exactly the permissions of invariant 1 (docs/security-invariants.md), as amended for the notification queue, and nothing else', () => {
    const statements = f.agentPolicies.flatMap((p) => p.policy.Statement);
    const grants = statements.map((s) => ({ effect: s.Effect, actions: s.Action, resources: s.Resource, condition: s.Condition }));
    expect(grants).toEqual([
      {
        effect: 'Allow',
        actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: `arn:aws:sqs:${f.region}:${f.hub}:${BROKER_NAMES.notificationQueue}`,
        condition: undefined,
      },
      {
        effect: 'Allow',
        actions: 'secretsmanager:GetSecretValue',
        resources: [f.prodAccount, f.stagingAccount].map(
          (id) => `arn:aws:secretsmanager:${f.region}:${f.hub}:secret:agent/elevated/${id}-??????`,
        ),
        condition: undefined,
      },
      { effect: 'Allow', actions: ['cloudtrail:LookupEvents', 'sts:GetCallerIdentity'], resources: '*', condition: undefined },
      {
        effect: 'Allow',
        actions: 'events:PutEvents',
        resources: `arn:aws:events:${f.region}:${f.hub}:event-bus/${BROKER_NAMES.eventBus}`,
        condition: { 'ForAllValues:StringEquals': { 'events:source': ['jit.agent'] }, Null: { 'events:source': 'false' } },
      },
    ]);
  });
});
