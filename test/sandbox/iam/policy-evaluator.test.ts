import { revocationPolicy } from '../../../handlers/core/revocation-policy';
import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { assumedRoleSessionArn, BOUNDED_PRINCIPAL_PATH, BROKER_NAMES, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { type PolicyDocument, evaluatePolicies, toPolicyDocument, wildcardMatch } from '../../../sandbox/iam/policy-evaluator';
import { contextOf, evaluate, type Decision, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOfRole, managedPolicyNamed, secretResourcePolicy, type NamedPolicy } from '../../helpers/iam-template';

/**
 * The sandbox's own policy evaluator must answer as IAM would for the policies this project deploys.
 * IAM itself is not available offline, so each case is evaluated by both the sandbox's evaluator and
 * @cloud-copilot/iam-simulate (a dev dependency; AGPL, never loaded at run time) and the answers must be
 * equal — and equal to what the case expects, so an agreement on a wrong answer fails too.
 */
const f = iamFixture();
const hub = f.hub;
const prod = f.prodAccount;
const expiresAt = new Date('2026-03-01T10:05:00Z');
const inside = '2026-03-01T10:02:00Z';
const after = '2026-03-01T10:05:01Z';
const sourceIdentity = 'jit-req-evaluator-0001';
const sessionPolicy = timeFencedSessionPolicy(expiresAt);
const table = `arn:aws:dynamodb:${f.region}:${hub}:table/${BROKER_NAMES.requestTable}`;
const bus = `arn:aws:events:${f.region}:${hub}:event-bus/${BROKER_NAMES.eventBus}`;
const stateMachine = `arn:aws:states:${f.region}:${hub}:stateMachine:${BROKER_NAMES.stateMachine}`;
const approverArn = `arn:aws:iam::${hub}:user/jit-sandbox-approver`;
const grantedAt = '2026-03-01T10:00:00Z';
const approverPolicies: NamedPolicy[] = [{ name: 'approver', policy: managedPolicyNamed(f.broker, BROKER_NAMES.approverPolicy) }];
const boundaryArn = `arn:aws:iam::${prod}:policy/${TARGET_NAMES.boundaryPolicy}`;

interface Case {
  readonly name: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly policies: NamedPolicy[];
  readonly sessionPolicy?: string;
  readonly resourcePolicy?: PolicyDocument;
  /** For a role session: its source identity and issue time. */
  readonly session?: { readonly sourceIdentity?: string; readonly issuedAt?: string };
  readonly at?: string;
  /** Request parameters that become condition keys (sandbox/iam/request-context.ts). */
  readonly request?: RequestParameters;
  readonly expected: Decision;
}

function session(
  suffix: string,
  request: { action: string; resource: string; at?: string; extra?: NamedPolicy[]; request?: RequestParameters; expected: Decision; name: string },
): Case {
  const role = f.elevatedRoleNames.find((n) => n.toLowerCase().endsWith(suffix)) ?? suffix;
  return {
    name: request.name,
    principal: assumedRoleSessionArn('aws', prod, role, 'jit-req-evaluator-0001'),
    session: { sourceIdentity, issuedAt: grantedAt },
    action: request.action,
    resource: request.resource,
    policies: [...identityPoliciesOfRole(f.prod, role), ...(request.extra ?? [])],
    sessionPolicy,
    at: request.at ?? inside,
    ...(request.request ? { request: request.request } : {}),
    expected: request.expected,
  };
}

const revoked: NamedPolicy = { name: 'revoked', policy: JSON.parse(revocationPolicy(sourceIdentity).document) };
const agent = (c: Omit<Case, 'principal' | 'policies'>): Case => ({ principal: f.agentArn, policies: f.agentPolicies, ...c });

const CASES: Case[] = [
  agent({ name: 'agent reads its secret', action: 'secretsmanager:GetSecretValue', resource: f.secretArn(prod), expected: 'Allowed' }),
  agent({
    name: 'agent reads its secret through the resource policy',
    action: 'secretsmanager:GetSecretValue',
    resource: f.secretArn(prod),
    resourcePolicy: toPolicyDocument(secretResourcePolicy(f.broker, `agent/elevated/${prod}`)),
    expected: 'Allowed',
  }),
  agent({ name: 'agent reads another secret', action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${f.region}:${hub}:secret:prod/db-AbCdEf`, expected: 'ImplicitlyDenied' }),
  agent({ name: 'agent writes its secret', action: 'secretsmanager:PutSecretValue', resource: f.secretArn(prod), expected: 'ImplicitlyDenied' }),
  agent({ name: 'agent asks for elevation', action: 'events:PutEvents', resource: bus, request: { eventSources: ['jit.agent'] }, expected: 'Allowed' }),
  agent({ name: 'agent forges a broker event', action: 'events:PutEvents', resource: bus, request: { eventSources: ['jit.broker'] }, expected: 'ImplicitlyDenied' }),
  agent({ name: 'agent hides a forged event among its own', action: 'events:PutEvents', resource: bus, request: { eventSources: ['jit.agent', 'jit.broker'] }, expected: 'ImplicitlyDenied' }),
  // The IAM reference data iam-simulate uses lists no resource type for SendTask*: evaluated on `*`.
  agent({ name: 'agent approves itself', action: 'states:SendTaskSuccess', resource: '*', expected: 'ImplicitlyDenied' }),
  agent({ name: 'agent reads the request store', action: 'dynamodb:GetItem', resource: table, expected: 'ImplicitlyDenied' }),
  agent({ name: 'agent looks up its trail', action: 'cloudtrail:LookupEvents', resource: '*', expected: 'Allowed' }),
  {
    name: 'approver reads a grant out of the secret',
    principal: approverArn,
    action: 'secretsmanager:GetSecretValue',
    resource: f.secretArn(prod),
    policies: [{ name: 'everything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
    resourcePolicy: toPolicyDocument(secretResourcePolicy(f.broker, `agent/elevated/${prod}`)),
    expected: 'ExplicitlyDenied',
  },
  { name: 'approver lists pending requests', principal: approverArn, action: 'dynamodb:Query', resource: `${table}/index/byStatus`, policies: approverPolicies, expected: 'Allowed' },
  {
    name: 'approver records a decision',
    principal: approverArn,
    action: 'dynamodb:UpdateItem',
    resource: table,
    policies: approverPolicies,
    request: { dynamodbAttributes: ['requestId', 'status', 'decision', 'decidedAt', 'updatedAt'] },
    expected: 'Allowed',
  },
  {
    name: 'approver writes a grant field',
    principal: approverArn,
    action: 'dynamodb:UpdateItem',
    resource: table,
    policies: approverPolicies,
    request: { dynamodbAttributes: ['requestId', 'status', 'grant'] },
    expected: 'ImplicitlyDenied',
  },
  session('ops', { name: 'ops session works inside its window', action: 'ec2:DescribeInstances', resource: '*', expected: 'Allowed' }),
  session('ops', { name: 'ops session after the time fence', action: 'ec2:DescribeInstances', resource: '*', at: after, expected: 'ImplicitlyDenied' }),
  session('ops', { name: 'ops session beyond its role', action: 's3:DeleteBucket', resource: 'arn:aws:s3:::payments-data', expected: 'ImplicitlyDenied' }),
  session('ops', {
    name: 'revoked ops session',
    action: 'ec2:DescribeInstances',
    resource: '*',
    extra: [revoked],
    expected: 'ExplicitlyDenied',
  }),
  session('security', {
    name: 'security session makes an access key',
    action: 'iam:CreateAccessKey',
    resource: `arn:aws:iam::${prod}:user/admin`,
    expected: 'ExplicitlyDenied',
  }),
  session('security', {
    name: 'security session chains into another role',
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${prod}:role/admin`,
    expected: 'ExplicitlyDenied',
  }),
  session('security', {
    name: 'security session creates a user under the boundary, off the bounded path',
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${prod}:user/helper`,
    request: { permissionsBoundary: boundaryArn },
    expected: 'ExplicitlyDenied',
  }),
  session('security', {
    name: 'security session grafts the boundary onto an existing role',
    action: 'iam:PutRolePermissionsBoundary',
    resource: `arn:aws:iam::${prod}:role/OrganizationAccountAccessRole`,
    request: { permissionsBoundary: boundaryArn },
    expected: 'ExplicitlyDenied',
  }),
  session('security', {
    name: 'security session creates a user without the boundary',
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${prod}:user/helper`,
    expected: 'ExplicitlyDenied',
  }),
  session('security', {
    name: 'security session creates a user under the boundary, on the bounded path',
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${prod}:user${BOUNDED_PRINCIPAL_PATH}helper`,
    request: { permissionsBoundary: boundaryArn },
    expected: 'Allowed',
  }),
  session('ops', {
    name: 'ops session reads a broker secret',
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:aws:secretsmanager:${f.region}:${prod}:secret:agent/elevated/${prod}-AbCdEf`,
    extra: [{ name: 'everything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
    expected: 'ExplicitlyDenied',
  }),
];

describe('Sandbox policy evaluator', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('agrees with iam-simulate: %s', async (_name, c) => {
    // Prepare: both evaluators get the context AWS would build for the call.
    const input = {
      principal: c.principal,
      ...(c.session ? { session: c.session } : {}),
      action: c.action,
      resource: c.resource,
      ...(c.at ? { at: c.at } : {}),
      ...(c.request ? { request: c.request } : {}),
    };
    const context = contextOf(input);

    // Act
    const simulated = await evaluate({
      ...input,
      resourceAccount: c.resource.split(':')[4] || c.principal.split(':')[4],
      identityPolicies: c.policies,
      ...(c.sessionPolicy ? { sessionPolicy: c.sessionPolicy } : {}),
      ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy as never } : {}),
    });
    const ours = evaluatePolicies(
      {
        identity: c.policies.map((p) => toPolicyDocument(p.policy)),
        ...(c.sessionPolicy ? { sessionPolicy: toPolicyDocument(JSON.parse(c.sessionPolicy)) } : {}),
        ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy } : {}),
      },
      { principalArn: c.principal, action: c.action, resource: c.resource, context },
    );

    // Assess
    expect(simulated).toBe(c.expected);
    expect(ours.decision).toBe(c.expected);
  });

  it('lets the approver answer a task on the state machine, as the approver policy scopes it', () => {
    // Not compared with iam-simulate: its reference data has no resource type for SendTask*, while the
    // approver policy (like the CDK's grantTaskResponse) names the state machine; the sandbox authorizes
    // the callback on the state machine's ARN.
    const policies = { identity: approverPolicies.map((p) => toPolicyDocument(p.policy)) };
    const request = { principalArn: approverArn, resource: stateMachine, context: {} };
    expect(evaluatePolicies(policies, { ...request, action: 'states:SendTaskSuccess' }).decision).toBe('Allowed');
    expect(evaluatePolicies(policies, { ...request, action: 'states:StopExecution' }).decision).toBe('ImplicitlyDenied');
  });

  it('refuses a policy variable instead of guessing what it means', () => {
    const policy = toPolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' }] });
    expect(() => evaluatePolicies({ identity: [policy] }, { principalArn: f.agentArn, action: 's3:GetObject', resource: 'arn:aws:s3:::b/x/y', context: {} })).toThrow(/Policy variables/);
  });

  it('matches wildcards as IAM does: * any run, ? one character, actions case-insensitively', () => {
    expect(wildcardMatch('secret:agent/elevated/1-??????', 'secret:agent/elevated/1-AbCdEf')).toBe(true);
    expect(wildcardMatch('secret:agent/elevated/1-??????', 'secret:agent/elevated/1-AbCdEfG')).toBe(false);
    expect(wildcardMatch('iam:Create*', 'IAM:createuser', true)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::a.b', 'arn:aws:s3:::aXb')).toBe(false);
  });
});
