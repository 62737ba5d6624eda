import { BROKER_NAMES, CEILING_TAGS } from '../../../handlers/core/resource-names';
import { evaluate } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOfRole, type IamDocument, type NamedPolicy, arnOf, prop, resolve, resourcesOfType } from '../../helpers/iam-template';

const f = iamFixture();
const [keyId, keyResource] = resourcesOfType(f.broker, 'AWS::KMS::Key')[0] ?? [];
const keyArn = keyId && keyResource ? arnOf(f.broker, keyId, keyResource) : '';
const keyPolicy = resolve(prop(keyResource, 'KeyPolicy'), f.broker) as IamDocument;
const kmsAdmin: NamedPolicy = { name: 'KmsAdmin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } };
const sessionOf = (roleArn: string) => `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/session`;

describe('AuditFunction: the report signing key', () => {
  it('is an RSA_2048 SIGN_VERIFY key', () => {
    expect(prop(keyResource, 'KeySpec')).toBe('RSA_2048');
    expect(prop(keyResource, 'KeyUsage')).toBe('SIGN_VERIFY');
  });

  it('lets the audit function sign with its synthesized policy', async () => {
    const audit = f.brokerRoleArn(BROKER_NAMES.auditRole);
    await expect(
      evaluate({ principal: sessionOf(audit), action: 'kms:Sign', resource: keyArn, identityPolicies: identityPoliciesOfRole(f.broker, BROKER_NAMES.auditRole), resourcePolicy: keyPolicy }),
    ).resolves.toBe('Allowed');
  });

  it('denies kms:Sign to every other principal of the account, even one allowed kms:*', async () => {
    for (const role of [BROKER_NAMES.mintRole, 'PlatformAdmin']) {
      const principal = sessionOf(f.brokerRoleArn(role));
      await expect(evaluate({ principal, action: 'kms:Sign', resource: keyArn, identityPolicies: [kmsAdmin], resourcePolicy: keyPolicy })).resolves.toBe('ExplicitlyDenied');
    }
    await expect(evaluate({ principal: f.agentArn, action: 'kms:Sign', resource: keyArn, identityPolicies: [kmsAdmin], resourcePolicy: keyPolicy })).resolves.toBe('ExplicitlyDenied');
  });

  it('carries jit:security, so the ceiling keeps elevated sessions off it where the hub is also a target', () => {
    // The account's administration of the key stays delegated to IAM (a key policy that locks the account
    // out is unrecoverable); the ceiling's DenyMarkedKeys (test/infra/iam/containment.test.ts) is what
    // stops a session with kms:* rewriting that policy and signing.
    expect(prop(keyResource, 'Tags')).toContainEqual({ Key: CEILING_TAGS.security, Value: 'true' });
  });

  it('leaves GetPublicKey to IAM, so an auditor policy can grant it', async () => {
    const principal = sessionOf(f.brokerRoleArn('Auditor'));
    await expect(evaluate({ principal, action: 'kms:GetPublicKey', resource: keyArn, identityPolicies: [kmsAdmin], resourcePolicy: keyPolicy })).resolves.toBe('Allowed');
  });
});
