import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assumedRoleSessionArn, BOUNDED_PRINCIPAL_PATH, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { SandboxClock } from '../../../sandbox/clock';
import type { AwsCall } from '../../../sandbox/http/aws-call';
import { AwsError } from '../../../sandbox/http/aws-error';
import { Authorizer } from '../../../sandbox/iam/authorizer';
import type { Caller, SessionCaller } from '../../../sandbox/iam/caller';
import { Identities } from '../../../sandbox/iam/identities';
import { loadOrCreateKeys } from '../../../sandbox/iam/keys';
import { toPolicyDocument } from '../../../sandbox/iam/policy-evaluator';
import { StsEmulation, assumableRoles } from '../../../sandbox/services/sts';
import { TargetAccountEmulation } from '../../../sandbox/services/target-account';
import { type SynthesizedInstallation, synthesizeInstallation } from '../../../sandbox/template/installation';
import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { elevatedRoleNamesOf } from '../../helpers/iam-fixture';
import { exampleConfig } from '../../helpers/synth';

/**
 * The sandbox's answers to calls from minted sessions in a target account, and to the broker's first-hop
 * AssumeRole, through the same emulations the HTTP router uses (no HTTP: the calls are built directly).
 */
const PROD = '222222222222';
const REGION = 'eu-west-1';
const now = new Date('2026-03-01T10:02:00Z');
const clock = SandboxClock.unpersisted(1, () => now.getTime());

let home: string;
let installation: SynthesizedInstallation;
let authorizer: Authorizer;
let targetAccount: TargetAccountEmulation;
/** The same, with an inline `Allow *` added to every elevated role (the ceiling still attached). */
let allowingEverything: TargetAccountEmulation;
let roles: string[];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'jit-authz-'));
  installation = synthesizeInstallation(exampleConfig());
  authorizer = new Authorizer(installation, { policiesOf: () => [] }, clock);
  targetAccount = new TargetAccountEmulation(authorizer);
  const inline = (Action: string) => ({ policiesOf: () => [toPolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource: '*' }] })] });
  allowingEverything = new TargetAccountEmulation(new Authorizer(installation, inline('*'), clock));
  roles = elevatedRoleNamesOf(installation.targets.get(PROD)!);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function sessionOf(roleName: string): SessionCaller {
  return {
    kind: 'session',
    accessKeyId: 'ASIAEXAMPLE000000001',
    accountId: PROD,
    arn: assumedRoleSessionArn('aws', PROD, roleName, 'jit-req-authz-0001'),
    principalArn: `arn:aws:iam::${PROD}:role/${roleName}`,
    roleName,
    sessionName: 'jit-req-authz-0001',
    userId: `AROAEXAMPLE:jit-req-authz-0001`,
    sourceIdentity: 'jit-req-authz-0001',
    sessionPolicy: timeFencedSessionPolicy(new Date('2026-03-01T10:05:00Z')),
    issuedAt: '2026-03-01T10:00:00.000Z',
    expiresAt: '2026-03-01T10:15:00.000Z',
    issuedBy: 'AKIAEXAMPLE',
  };
}

interface Wire {
  readonly service: string;
  readonly target?: string;
  readonly form?: Record<string, string>;
  readonly json?: Record<string, unknown>;
  readonly method?: string;
  readonly path?: string;
}

function callOf(caller: Caller, wire: Wire): AwsCall {
  const headers: Record<string, string> = {};
  let body = '';
  if (wire.target) {
    headers['x-amz-target'] = wire.target;
    headers['content-type'] = 'application/x-amz-json-1.1';
    body = JSON.stringify(wire.json ?? {});
  } else if (wire.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(wire.form).toString();
  } else if (wire.json) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(wire.json);
  }
  return {
    method: wire.method ?? 'POST',
    path: wire.path ?? '/',
    query: new URLSearchParams(),
    headers,
    body: Buffer.from(body),
    service: wire.service,
    region: REGION,
    caller,
    requestId: 'req-1',
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    note: { resources: [], evaluations: [] },
  };
}

async function answer(caller: Caller, wire: Wire, emulation = targetAccount): Promise<{ status: number; code?: string; message?: string }> {
  try {
    const response = await emulation.handle(callOf(caller, wire));
    return { status: response.status };
  } catch (error) {
    if (error instanceof AwsError) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
}

describe('Sandbox target accounts: every call authorized against the real policies before it is answered', () => {
  it.each([
    ['deleting a JitTarget-* stack', { service: 'cloudformation', form: { Action: 'DeleteStack', Version: '2010-05-15', StackName: 'JitTarget-prod' } }],
    ['updating the broker stack', { service: 'cloudformation', form: { Action: 'UpdateStack', Version: '2010-05-15', StackName: 'JitBroker' } }],
    ['deleting a JitBroker log group', { service: 'logs', target: 'Logs_20140328.DeleteLogGroup', json: { logGroupName: 'JitBroker-MintLogs0123-AbCdEf' } }],
    ['terminating an instance (the seed’s deny list)', { service: 'ec2', form: { Action: 'TerminateInstances', Version: '2016-11-15', 'InstanceId.1': 'i-0123456789abcdef0' } }],
    ['deleting a database (the seed’s deny list)', { service: 'rds', form: { Action: 'DeleteDBInstance', Version: '2014-10-31', DBInstanceIdentifier: 'orders' } }],
  ])('refuses %s to the Deploy role, even with Allow * added to its policy', async (_what, wire) => {
    const deploy = roles.find((r) => r.toLowerCase().endsWith('deploy'))!;
    const result = await answer(sessionOf(deploy), wire as Wire, allowingEverything);
    expect(result).toMatchObject({ status: 403, message: expect.stringMatching(/explicit deny/) });
  });

  it('still answers what the role may do: describing and updating an application service, reading its logs', async () => {
    const deploy = sessionOf(roles.find((r) => r.toLowerCase().endsWith('deploy'))!);
    const ecs = (action: string, json: Record<string, unknown>): Wire => ({ service: 'ecs', target: `AmazonEC2ContainerServiceV20141113.${action}`, json });
    await expect(answer(deploy, ecs('DescribeServices', { cluster: 'main', services: ['orders-api'] }))).resolves.toMatchObject({ status: 200 });
    await expect(answer(deploy, ecs('UpdateService', { cluster: 'main', service: 'orders-api', forceNewDeployment: true }))).resolves.toMatchObject({ status: 200 });
    await expect(answer(deploy, { service: 'logs', target: 'Logs_20140328.DescribeLogGroups', json: {} })).resolves.toMatchObject({ status: 200 });
  });

  it('answers a call that names a resource it cannot place as for the most protected one: a broker-wide deny applies', async () => {
    // An ECR repository the sandbox has no ARN scheme for: the Deploy role allows ecr:*, and no deny could
    // name an ECR resource, so it is allowed. A Lambda function's code: the deny on the broker's functions
    // could name it, and the sandbox places it (JitBroker-*), so it is refused.
    const deploy = sessionOf(roles.find((r) => r.toLowerCase().endsWith('deploy'))!);
    await expect(answer(deploy, { service: 'ecr', target: 'AmazonEC2ContainerRegistry_V20150921.BatchGetImage', json: { repositoryName: 'orders', imageIds: [] } })).resolves.toMatchObject({ status: 200 });
    await expect(
      answer(deploy, { service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/JitBroker-MintFunction1D8410D1-AbCdEf/code', json: { ZipFile: 'x' } }),
    ).resolves.toMatchObject({ status: 403 });
  });
});

describe('Sandbox target accounts: iam:PassRole wherever a call passes a role', () => {
  // A role created under a grant (on the bounded path): the only kind the ceiling lets a session pass.
  const appRole = `arn:aws:iam::${PROD}:role${BOUNDED_PRINCIPAL_PATH}app-worker`;
  const cdkExec = `arn:aws:iam::${PROD}:role/cdk-hnb659fds-cfn-exec-role-${PROD}-${REGION}`;
  const passing: Array<[string, (role: string) => Wire]> = [
    ['Lambda CreateFunction', (role) => ({ service: 'lambda', path: '/2015-03-31/functions', json: { FunctionName: 'orders', Role: role } })],
    ['Lambda UpdateFunctionConfiguration', (role) => ({ service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/orders/configuration', json: { Role: role } })],
    ['ECS RegisterTaskDefinition', (role) => ({ service: 'ecs', target: 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', json: { family: 'orders', taskRoleArn: role } })],
    [
      'ECS RunTask',
      (role) => ({ service: 'ecs', target: 'AmazonEC2ContainerServiceV20141113.RunTask', json: { taskDefinition: 'orders:1', overrides: { taskRoleArn: role } } }),
    ],
    ['CloudFormation CreateStack', (role) => ({ service: 'cloudformation', form: { Action: 'CreateStack', Version: '2010-05-15', StackName: 'orders-api', RoleARN: role } })],
    ['Step Functions CreateStateMachine', (role) => ({ service: 'states', target: 'AWSStepFunctions.CreateStateMachine', json: { name: 'orders', roleArn: role, definition: '{}' } })],
    ['EventBridge PutTargets', (role) => ({ service: 'events', target: 'AWSEvents.PutTargets', json: { Rule: 'orders', Targets: [{ Id: '1', Arn: 'arn:aws:sqs:eu-west-1:222222222222:q', RoleArn: role }] } })],
    ['Scheduler CreateSchedule', (role) => ({ service: 'scheduler', path: '/schedules/orders', json: { Target: { Arn: 'arn:aws:sqs:eu-west-1:222222222222:q', RoleArn: role } } })],
  ];

  it.each(passing)('%s: refuses to pass a role the ceiling protects, even when the role’s policy allows *', async (_what, wire) => {
    for (const role of roles) {
      const result = await answer(sessionOf(role), wire(cdkExec), allowingEverything);
      // Changing an existing function's configuration is itself a hand-off now (untagged): denied first.
      expect(result).toMatchObject({
        status: 403,
        message: expect.stringMatching(/(iam:PassRole on resource: .*cdk-hnb659fds-cfn-exec-role|lambda:UpdateFunctionConfiguration on resource: .*function:orders).* with an explicit deny/),
      });
    }
  });

  it.each(passing)('%s: refuses the Ops role, which may not pass roles at all', async (_what, wire) => {
    const ops = roles.find((r) => r.toLowerCase().endsWith('ops'))!;
    const result = await answer(sessionOf(ops), wire(appRole));
    expect(result.status).toBe(403);
  });

  it('lets a role pass an application role to the services its policy names, and only those', async () => {
    // The example roles pass no role (the design's policies have none); an operator's own policy that
    // allows PassRole to Lambda only, with iam:PassedToService as AWS documents it.
    const passToLambda = toPolicyDocument({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['lambda:*', 'scheduler:*'], Resource: '*' },
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: appRole, Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
      ],
    });
    const emulation = new TargetAccountEmulation(new Authorizer(installation, { policiesOf: () => [passToLambda] }, clock));
    const deploy = sessionOf(roles.find((r) => r.toLowerCase().endsWith('deploy'))!);
    await expect(answer(deploy, passing[0][1](appRole), emulation)).resolves.toMatchObject({ status: 200 });
    const scheduler = passing.find(([what]) => what.startsWith('Scheduler'))![1];
    await expect(answer(deploy, scheduler(appRole), emulation)).resolves.toMatchObject({ status: 403, message: expect.stringMatching(/iam:PassRole/) });
  });

  it.each(passing)('%s: refuses the example Deploy role, whose policy passes no role', async (_what, wire) => {
    const deploy = roles.find((r) => r.toLowerCase().endsWith('deploy'))!;
    const result = await answer(sessionOf(deploy), wire(appRole));
    expect(result.status).toBe(403);
  });

  it('refuses an EC2 instance profile whose role it cannot see unless PassRole to EC2 is allowed on every role', async () => {
    const deploy = sessionOf(roles.find((r) => r.toLowerCase().endsWith('deploy'))!);
    const run = { service: 'ec2', form: { Action: 'RunInstances', Version: '2016-11-15', 'IamInstanceProfile.Name': 'app-profile', MinCount: '1', MaxCount: '1' } };
    await expect(answer(deploy, run)).resolves.toMatchObject({ status: 403 });
  });
});

describe('Sandbox STS: the first-hop AssumeRole into an elevated role', () => {
  const assume = (sts: StsEmulation, roleArn: string, sourceIdentity?: string) => {
    const identities = new Identities(loadOrCreateKeys(home), installation.loaded.config, home);
    const broker = identities.keyCaller('broker');
    const form: Record<string, string> = { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'jit-req-authz-0001', DurationSeconds: '900' };
    if (sourceIdentity) form.SourceIdentity = sourceIdentity;
    return sts.handle(callOf(broker, { service: 'sts', form }));
  };
  const stsWith = (rewrite: (trust: string) => string) => {
    const identities = new Identities(loadOrCreateKeys(home), installation.loaded.config, home);
    const assumable = new Map(
      [...assumableRoles(installation.targets.values())].map(([arn, role]) => [arn, { ...role, trust: toPolicyDocument(JSON.parse(rewrite(JSON.stringify(role.trust)))) }]),
    );
    return new StsEmulation(assumable, identities, authorizer, clock, installation.hubAccount);
  };

  it('lets the broker in with a source identity in its format, as the deployed trust policy says', async () => {
    const sts = stsWith((t) => t);
    for (const role of roles) {
      await expect(assume(sts, `arn:aws:iam::${PROD}:role/${role}`, 'jit-req-authz-0001')).resolves.toMatchObject({ status: 200 });
      await expect(assume(sts, `arn:aws:iam::${PROD}:role/${role}`)).rejects.toMatchObject({ code: 'AccessDenied' });
    }
  });

  it('refuses the old trust condition on aws:SourceIdentity, which AWS does not put in the first hop’s context', async () => {
    const sts = stsWith((t) => t.replaceAll('sts:SourceIdentity', 'aws:SourceIdentity'));
    for (const role of roles) {
      await expect(assume(sts, `arn:aws:iam::${PROD}:role/${role}`, 'jit-req-authz-0001')).rejects.toMatchObject({ code: 'AccessDenied' });
    }
  });

  it('keeps the audit reader to the broker audit role', async () => {
    const sts = stsWith((t) => t);
    await expect(assume(sts, `arn:aws:iam::${PROD}:role/${TARGET_NAMES.auditReaderRole}`)).resolves.toMatchObject({ status: 200 });
  });
});

describe('Sandbox target accounts: the containment walls, as in AWS', () => {
  const adminRole = `arn:aws:iam::${PROD}:role/OrganizationAccountAccessRole`;
  it.each([
    ['passing an existing administrator role to Lambda', { service: 'lambda', path: '/2015-03-31/functions', json: { FunctionName: 'orders', Role: adminRole } }],
    [
      'passing an existing administrator role to ECS',
      { service: 'ecs', target: 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', json: { family: 'orders', taskRoleArn: adminRole } },
    ],
    ['new code in an existing function (not tagged for elevated access)', { service: 'lambda', method: 'PUT', path: '/2015-03-31/functions/payments-api/code', json: { ZipFile: 'x' } }],
    ['a metric filter off the CloudTrail log group', { service: 'logs', target: 'Logs_20140328.DeleteMetricFilter', json: { logGroupName: 'aws-cloudtrail-logs-222222222222-abc', filterName: 'root-login' } }],
  ])('refuses %s to every elevated role, even with Allow * added to its policy', async (_what, wire) => {
    for (const role of roles) {
      const result = await answer(sessionOf(role), wire as Wire, allowingEverything);
      expect(result).toMatchObject({ status: 403, message: expect.stringMatching(/explicit deny/) });
    }
  });
});
