import { dataEventTrailConfigSchema } from '../../../infra/config/jit-config';
import { loadConfigVariant } from '../../helpers/config-variant';

describe('accounts[].dataEventTrail', () => {
  it('hands the audit the bucket, the prefix and the bucket region (default: the first audited region)', () => {
    // Act
    const result = loadConfigVariant((c) => {
      (c.accounts as Array<Record<string, unknown>>)[0].dataEventTrail = { bucket: 'org-trail-logs', prefix: 'trails/main' };
      (c.accounts as Array<Record<string, unknown>>)[1].dataEventTrail = { bucket: 'staging-trail', region: 'us-east-1' };
    });

    // Assess
    if (!('settings' in result)) throw new Error(result.problems.join('\n'));
    expect(result.settings.accounts.map((a) => a.dataEventTrail)).toEqual([
      { bucket: 'org-trail-logs', prefix: 'trails/main', region: 'eu-west-1' },
      { bucket: 'staging-trail', region: 'us-east-1' },
    ]);
  });

  it.each([
    ['a bucket name with capitals', { bucket: 'Org-Trail' }, /must be an S3 bucket name/],
    ['a prefix with a leading slash', { bucket: 'org-trail', prefix: '/trails' }, /without a leading or trailing slash/],
    ['a prefix with a trailing slash', { bucket: 'org-trail', prefix: 'trails/' }, /without a leading or trailing slash/],
    ['a region that is not one', { bucket: 'org-trail', region: 'europe' }, /must be an AWS region/],
    ['a key alias instead of a key ARN', { bucket: 'org-trail', kmsKeyArn: 'alias/trail' }, /must be a KMS key ARN/],
    ['an unknown field', { bucket: 'org-trail', logGroup: 'trail' }, /Unrecognized key/],
  ])('refuses %s', (_what, entry, message) => {
    const result = dataEventTrailConfigSchema.safeParse(entry);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });
});
