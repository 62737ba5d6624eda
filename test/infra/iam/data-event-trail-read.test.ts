import { App } from 'aws-cdk-lib';
import { TARGET_NAMES } from '../../../handlers/core/resource-names';
import { TargetAccountStack } from '../../../infra/target-account-stack';
import { evaluate } from '../../helpers/iam-simulator';
import { identityPoliciesOfRole, synthesizedStack } from '../../helpers/iam-template';
import { exampleConfig } from '../../helpers/synth';

/**
 * The audit reader's access to a trail of data events (accounts[].dataEventTrail), evaluated from the
 * synthesized policies with the request context AWS builds: `s3:GetObject` on the account's log files in the
 * audited regions, `s3:ListBucket` only with an `s3:prefix` in those folders.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html
 */
const PROD = '222222222222';
const BUCKET = 'org-trail-logs';
const KEY_ARN = 'arn:aws:kms:eu-west-1:222222222222:key/0e5b8c1a-1111-4222-8333-944455556666';

function readerPolicies(dataEventTrail: Record<string, string> | undefined) {
  const loaded = exampleConfig();
  const base = loaded.config.accounts.find((a) => a.id === PROD)!;
  const account = { ...base, ...(dataEventTrail ? { dataEventTrail: dataEventTrail as { bucket: string } } : {}) };
  const stack = new TargetAccountStack(new App(), `Target${Object.keys(dataEventTrail ?? {}).length}`, { config: loaded, account, env: { account: PROD, region: 'eu-west-1' } });
  return identityPoliciesOfRole(synthesizedStack(stack), TARGET_NAMES.auditReaderRole);
}

describe('Audit reader: the data-event trail, and nothing else of its bucket', () => {
  const policies = readerPolicies({ bucket: BUCKET, prefix: 'trails/main' });
  const reader = `arn:aws:sts::${PROD}:assumed-role/${TARGET_NAMES.auditReaderRole}/jit-audit`;
  const folder = (region: string) => `trails/main/AWSLogs/${PROD}/CloudTrail/${region}/`;
  const get = (key: string) => evaluate({ principal: reader, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/${key}`, region: 'eu-west-1', identityPolicies: policies });
  const list = (prefix?: string) =>
    evaluate({ principal: reader, action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, region: 'eu-west-1', identityPolicies: policies, ...(prefix === undefined ? {} : { request: { s3Prefix: prefix } }) });

  it('reads the log files of the account in every audited region (and us-east-1)', async () => {
    await expect(get(`${folder('eu-west-1')}2026/12/03/${PROD}_CloudTrail_eu-west-1_20261203T1005Z_abcdefghijklmnop.json.gz`)).resolves.toBe('Allowed');
    await expect(get(`${folder('us-east-1')}2026/12/03/${PROD}_CloudTrail_us-east-1_20261203T1005Z_abcdefghijklmnop.json.gz`)).resolves.toBe('Allowed');
  });

  it('cannot read other objects: other regions, other accounts, digests, the bucket root, another bucket', async () => {
    await expect(get(`${folder('ap-southeast-2')}2026/12/03/x.json.gz`)).resolves.toBe('ImplicitlyDenied');
    await expect(get(`trails/main/AWSLogs/333333333333/CloudTrail/eu-west-1/2026/12/03/x.json.gz`)).resolves.toBe('ImplicitlyDenied');
    await expect(get(`trails/main/AWSLogs/${PROD}/CloudTrail-Digest/eu-west-1/2026/12/03/x.json.gz`)).resolves.toBe('ImplicitlyDenied');
    await expect(get('secrets.txt')).resolves.toBe('ImplicitlyDenied');
    await expect(
      evaluate({ principal: reader, action: 's3:GetObject', resource: `arn:aws:s3:::other-bucket/${folder('eu-west-1')}x.json.gz`, region: 'eu-west-1', identityPolicies: policies }),
    ).resolves.toBe('ImplicitlyDenied');
  });

  it('lists only day folders of those regions: never the bucket, another prefix or a listing without a prefix', async () => {
    await expect(list(`${folder('eu-west-1')}2026/12/03/`)).resolves.toBe('Allowed');
    await expect(list(`${folder('us-east-1')}2026/12/03/`)).resolves.toBe('Allowed');
    await expect(list()).resolves.toBe('ImplicitlyDenied');
    await expect(list('')).resolves.toBe('ImplicitlyDenied');
    await expect(list('trails/main/AWSLogs/')).resolves.toBe('ImplicitlyDenied');
    await expect(list(`${folder('sa-east-1')}2026/12/03/`)).resolves.toBe('ImplicitlyDenied');
  });

  it('may write nothing, not even to its own folders', async () => {
    const put = await evaluate({ principal: reader, action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/${folder('eu-west-1')}x.json.gz`, region: 'eu-west-1', identityPolicies: policies });
    const del = await evaluate({ principal: reader, action: 's3:DeleteObject', resource: `arn:aws:s3:::${BUCKET}/${folder('eu-west-1')}x.json.gz`, region: 'eu-west-1', identityPolicies: policies });
    expect([put, del]).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('gets no S3 or KMS permission at all without a data-event trail, and kms:Decrypt only when the trail names its key', () => {
    const actions = (p: ReturnType<typeof readerPolicies>) => p.flatMap((n) => n.policy.Statement).flatMap((s) => [s.Action].flat());
    expect(actions(readerPolicies(undefined))).toEqual(['cloudtrail:LookupEvents']);
    expect(actions(policies)).not.toContain('kms:Decrypt');
    const withKey = readerPolicies({ bucket: BUCKET, kmsKeyArn: KEY_ARN }).flatMap((n) => n.policy.Statement);
    expect(withKey.find((s) => [s.Action].flat().includes('kms:Decrypt'))).toMatchObject({
      Effect: 'Allow',
      Resource: KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
  });
});
