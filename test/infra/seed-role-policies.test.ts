import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../helpers/synth';

/**
 * The role policies the example config ships must be no broader than the seed's `elevated-ops.json`,
 * `elevated-deploy.json` and `elevated-security.json` (the blog post this project implements; its
 * lists are copied here as the fixed expectation, see docs/configuration.md "The seed's roles").
 * An operator may narrow them further; widening them is a decision to make in their own
 * `jit.config.json`, not in the defaults.
 */
const SEED_ACTIONS: Record<string, readonly string[]> = {
  'AgentElevated-Ops': [
    'ec2:Describe*', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:RebootInstances',
    'ecs:DescribeServices', 'ecs:UpdateService', 'ecs:DescribeTaskDefinition',
    'ecs:RegisterTaskDefinition', 'ecs:ListTasks', 'ecs:DescribeTasks',
    's3:GetObject', 's3:PutObject', 's3:ListBucket',
    'logs:GetLogEvents', 'logs:DescribeLogGroups', 'logs:FilterLogEvents',
    'cloudwatch:GetMetricData', 'cloudwatch:DescribeAlarms',
    'ssm:SendCommand', 'ssm:GetCommandInvocation',
  ],
  'AgentElevated-Deploy': ['ecs:*', 'ecr:*', 's3:*', 'route53:*', 'elasticloadbalancing:*', 'logs:*', 'cloudwatch:*'],
  'AgentElevated-Security': [
    'iam:ListUsers', 'iam:ListRoles', 'iam:ListPolicies',
    'iam:GetUser', 'iam:GetRole', 'iam:GetPolicy',
    'iam:CreateUser', 'iam:CreateRole', 'iam:AttachRolePolicy',
    'cognito-idp:*',
    'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress',
    'ec2:DescribeSecurityGroups',
  ],
};

interface Statement {
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Whether the seed's pattern grants at least what `action` (itself possibly a pattern) grants. IAM
 * action names are case-insensitive and `*` matches any run of characters.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
 */
function covers(seedPattern: string, action: string): boolean {
  const seed = seedPattern.toLowerCase();
  const wanted = action.toLowerCase();
  if (seed === wanted) return true;
  // A trailing `*` covers every action (or action pattern) that starts with what precedes it.
  return seed.endsWith('*') && !seed.slice(0, -1).includes('*') && wanted.startsWith(seed.slice(0, -1));
}

const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as {
  roles: Array<{ name: string; iamRoleName: string; policyFile: string }>;
};

describe("Example config: the seed's role policies", () => {
  it("offers exactly the seed's three roles under the seed's IAM names", () => {
    expect(config.roles.map((r) => r.iamRoleName)).toEqual(Object.keys(SEED_ACTIONS));
  });

  it.each(config.roles.map((r) => [r.iamRoleName, r.policyFile] as const))('%s (%s) allows nothing the seed does not', (iamRoleName, policyFile) => {
    const seed = SEED_ACTIONS[iamRoleName];
    const policy = JSON.parse(readFileSync(join(REPO_ROOT, policyFile), 'utf8')) as { Statement: Statement[] };
    const allows = policy.Statement.filter((s) => s.Effect === 'Allow');

    // NotAction and NotResource in an Allow grant everything else: never broader-looking than it is.
    expect(allows.flatMap((s) => [...list(s.NotAction), ...list(s.NotResource)])).toEqual([]);
    const allowed = allows.flatMap((s) => list(s.Action));
    expect(allowed.filter((action) => !seed.some((pattern) => covers(pattern, action)))).toEqual([]);
    // And the example ships the seed's lists themselves, so the blog's "what it's for" still holds.
    expect([...allowed].sort()).toEqual([...seed].sort());
  });
});
