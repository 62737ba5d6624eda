import { App, Aws, Stack } from 'aws-cdk-lib';
import { ElevationCeiling, MANAGED_POLICY_MAX_CHARS } from '../../../infra/constructs/elevation-ceiling';

const base = { accountId: '222222222222', hubAccount: '111111111111', hubRegion: 'eu-west-1' };
const ceilingIn = (props: Partial<ConstructorParameters<typeof ElevationCeiling>[2]>) =>
  new ElevationCeiling(new Stack(new App(), 'Target', { env: { account: base.accountId, region: 'eu-west-1' } }), 'Ceiling', {
    partition: Aws.PARTITION,
    elevatedRoleNames: ['jit-ops'],
    ...base,
    ...props,
  });

describe('ElevationCeiling: the managed policy size limit', () => {
  it('is checked at synthesis, not left to CloudFormation: names outside jit-* listed one by one overflow it', () => {
    // 40 roles of 64 characters: each is a resource ARN of about 90 characters in the broker policy and the boundary.
    const names = Array.from({ length: 40 }, (_, i) => `PlatformEngineeringElevatedAccessForProductionWorkloads-${String(i).padStart(8, '0')}`);
    expect(() => ceilingIn({ elevatedRoleNames: names })).toThrow(
      new RegExp(`ElevationCeiling: jit-[a-z-]+ would be \\d+ characters; IAM allows ${MANAGED_POLICY_MAX_CHARS} per managed policy\\. .*give them jit- names`),
    );
  });

  it('lets the same roles through when they carry jit- names (covered by the prefix)', () => {
    const names = Array.from({ length: 40 }, (_, i) => `jit-PlatformEngineeringElevatedAccessForProductionWorkload-${i}`);
    expect(() => ceilingIn({ elevatedRoleNames: names })).not.toThrow();
  });
});
