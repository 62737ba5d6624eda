import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { ESCALATION_PATHS, type EscalationCall } from '../../../infra/escalation/escalation-catalog';
import { openPathOf, type SynthesizedElevatedRole } from '../../../infra/escalation/escalation-lint';
import { TARGET_NAMES, managedPolicyArn } from '../../../handlers/core/resource-names';
import { evaluate } from '../../helpers/iam-simulator';
import { identityPoliciesOfRole } from '../../helpers/iam-template';
import { iamFixture } from '../../helpers/iam-fixture';

/**
 * The lint decides with the sandbox's evaluator; this holds its verdicts to @cloud-copilot/iam-simulate's
 * on the synthesized prod stack, for every catalog path, for each shipped role and for a role whose policy
 * file allows `*` (so only the ceiling stands between it and each path).
 */
const f = iamFixture();
const account = f.prodAccount;
const boundaryArn = managedPolicyArn('aws', account, TARGET_NAMES.boundaryPolicy);
const sourceIdentity = 'jit-escalation-lint-probe';
const allowEverything = { name: 'AllowEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };

function lintRole(iamRoleName: string, policies: ReturnType<typeof identityPoliciesOfRole>): SynthesizedElevatedRole {
  return { roleName: iamRoleName, iamRoleName, accountId: account, accountName: 'prod', partition: 'aws', region: f.region, identityPolicies: policies, brokerBoundaryArn: boundaryArn };
}

function fill(text: string): string {
  return text.replaceAll('{partition}', 'aws').replaceAll('{account}', account).replaceAll('{region}', f.region).replaceAll('{brokerBoundary}', boundaryArn);
}

async function simulatorAllows(iamRoleName: string, policies: ReturnType<typeof identityPoliciesOfRole>, call: EscalationCall): Promise<boolean> {
  // AWS-owned SSM documents have no account in their ARN; iam-simulate's resource matcher needs one, and
  // the policies here do not tell the two apart (they name no document), so the simulator gets the account's.
  const resource = fill(call.resource).replace(/^(arn:aws:ssm:[^:]+:):document\//, `$1${account}:document/`);
  const service = call.action.split(':')[0];
  const decision = await evaluate({
    principal: `arn:aws:sts::${account}:assumed-role/${iamRoleName}/${sourceIdentity}`,
    session: { sourceIdentity, issuedAt: '2026-01-01T00:00:00Z' },
    action: call.action,
    resource,
    resourceAccount: account,
    region: service === 'iam' || service === 'sts' ? 'us-east-1' : f.region,
    at: '2026-01-01T00:01:00Z',
    identityPolicies: policies,
    sessionPolicy: timeFencedSessionPolicy(new Date('2026-01-01T00:15:00Z')),
    ...(call.passedToService || call.permissionsBoundary
      ? { request: { ...(call.passedToService ? { passedToService: call.passedToService } : {}), ...(call.permissionsBoundary ? { permissionsBoundary: fill(call.permissionsBoundary) } : {}) } }
      : {}),
  });
  return decision === 'Allowed';
}

const cases = f.elevatedRoleNames.flatMap((name) => [
  { label: name, roleName: name, policies: () => identityPoliciesOfRole(f.prod, name) },
  { label: `${name} with Allow *`, roleName: name, policies: () => [allowEverything, ...identityPoliciesOfRole(f.prod, name).filter((p) => p.name !== 'Elevated')] },
]);

describe('Escalation lint agrees with iam-simulate', () => {
  it.each(cases)('on every catalog path for $label', async ({ roleName, policies }) => {
    const docs = policies();
    for (const path of ESCALATION_PATHS) {
      let open = true;
      for (const step of path.steps) {
        let stepOpen = false;
        for (const call of step.anyOf) if (await simulatorAllows(roleName, docs, call)) stepOpen = true;
        if (!stepOpen) open = false;
      }
      expect({ path: path.id, open: openPathOf(lintRole(roleName, docs), path) !== undefined }).toEqual({ path: path.id, open });
    }
  });
});
