import { requestSessionPolicy } from '../../../handlers/core/request-session-policy';
import { roleAllowsAll, rolePermissionsOf } from '../../../handlers/core/role-permissions';
import { PlanTooLargeError, type SessionPolicy } from '../../../handlers/core/session-policy';
import { exampleSettings } from '../../helpers/synth';

const settings = exampleSettings();
const now = new Date('2026-11-28T10:00:00Z');
const times = { expiresAt: new Date(now.getTime() + 15 * 60_000), now };

describe('requestSessionPolicy: the one builder of a request\'s session policy, bounded by its role', () => {
  it("compresses a growing plan without ever widening past the example Ops role (it has three ecs:Describe actions, not ecs:Describe*)", () => {
    // Prepare: eight Describe actions the role allows and ever longer S3 objects, until the plan cannot fit.
    const ops = rolePermissionsOf(settings, 'Ops');
    if (!ops) throw new Error('the example settings carry the Ops policy');
    const actions = ['ecs:DescribeServices', 'ecs:DescribeTasks', 'ecs:DescribeTaskDefinition', 'ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DescribeSnapshots', 'ec2:DescribeImages', 'ec2:DescribeSubnets'];
    const built: SessionPolicy[] = [];
    let refused = 0;

    // Act
    for (let length = 100; length <= 200; length += 4) {
      const objects = Array.from({ length: 9 }, (_, i) => `arn:aws:s3:::bucket-${i}-${'b'.repeat(length)}`);
      try {
        built.push(requestSessionPolicy({ role: 'Ops', plannedActions: [...actions, 's3:GetObject'], plannedResources: { 's3:GetObject': objects } }, settings, times));
      } catch (error) {
        if (!(error instanceof PlanTooLargeError)) throw error;
        refused += 1;
      }
    }

    // Assess: some fitted only by widening ec2 (the role allows ec2:Describe*), some did not fit at all; in
    // every one each allowed action is one the role allows whole on the statement's resources.
    expect(built.some((p) => p.widened.length > 0)).toBe(true);
    expect(refused).toBeGreaterThan(0);
    for (const policy of built) {
      for (const statement of policy.document.Statement.filter((s) => s.Effect === 'Allow')) {
        const resources = typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
        for (const action of typeof statement.Action === 'string' ? [statement.Action] : (statement.Action ?? [])) {
          expect(`${action}: ${roleAllowsAll(ops, action, resources, settings.auditRegions, now)}`).toBe(`${action}: true`);
        }
      }
      expect(policy.json).not.toContain('ecs:Describe*');
    }
  });
});
