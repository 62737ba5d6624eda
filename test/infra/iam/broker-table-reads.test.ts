import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { evaluate, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOf, identityPoliciesOfRole } from '../../helpers/iam-template';
import { EXPIRY_FACT_ATTRIBUTES } from '../../../handlers/core/expiry-notice';

/**
 * What the mint role may read of a request record, evaluated from the synthesized policies with request
 * contexts built as DynamoDB builds them: a GetItem carries `dynamodb:LeadingKeys` (the partition key it
 * reads) and, only when it has a ProjectionExpression, `dynamodb:Attributes` (the projected names). A
 * GetItem of the whole item has no `dynamodb:Attributes` at all, which a `ForAllValues` condition alone
 * would let through; the statement's `Null: false` refuses it.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
const f = iamFixture();
const mint = `arn:aws:sts::${f.hub}:assumed-role/${BROKER_NAMES.mintRole}/JitBroker-Mint`;
const mintPolicies = identityPoliciesOfRole(f.broker, BROKER_NAMES.mintRole);
const table = `arn:aws:dynamodb:${f.region}:${f.hub}:table/${BROKER_NAMES.requestTable}`;
const REQUEST_KEY = ['req-1234abcd'];

const getItem = (request: RequestParameters) => evaluate({ principal: mint, action: 'dynamodb:GetItem', resource: table, identityPolicies: mintPolicies, request });

describe('jit-broker-mint: reads back only the credentials it recorded', () => {
  it('may GetItem a request projected to issuedCredentials', async () => {
    await expect(getItem({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['issuedCredentials'] })).resolves.toBe('Allowed');
    await expect(getItem({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['requestId', 'issuedCredentials'] })).resolves.toBe('Allowed');
  });

  it('may not GetItem the whole request (no projection: no dynamodb:Attributes in the context)', async () => {
    await expect(getItem({ dynamodbLeadingKeys: REQUEST_KEY })).resolves.toBe('ImplicitlyDenied');
  });

  it('may not project the task token or the link hashes', async () => {
    await expect(getItem({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['issuedCredentials', 'taskToken'] })).resolves.toBe('ImplicitlyDenied');
    await expect(getItem({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['approverLinks'] })).resolves.toBe('ImplicitlyDenied');
  });
});

describe('the notify role: reads back only whether a grant is still live (NotifyExpiring)', () => {
  // The notify role has a generated name; it is the role of the Notify function (logical id NotifyRole…).
  const notifyRoleId = Object.keys(f.broker.resources).find((id) => /^NotifyRole[0-9A-F]{8}$/.test(id) && f.broker.resources[id]?.Type === 'AWS::IAM::Role');
  const notify = `arn:aws:sts::${f.hub}:assumed-role/JitBroker-NotifyRole/JitBroker-Notify`;
  const notifyGet = (request: RequestParameters) =>
    evaluate({ principal: notify, action: 'dynamodb:GetItem', resource: table, identityPolicies: identityPoliciesOf(f.broker, String(notifyRoleId)), request });

  it('may GetItem a request projected to the attributes the notice checks', async () => {
    expect(notifyRoleId).toBeDefined();
    await expect(notifyGet({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: [...EXPIRY_FACT_ATTRIBUTES] })).resolves.toBe('Allowed');
  });

  it('may not GetItem the whole request, nor project the task token, the link hashes or anything else', async () => {
    await expect(notifyGet({ dynamodbLeadingKeys: REQUEST_KEY })).resolves.toBe('ImplicitlyDenied');
    await expect(notifyGet({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['status', 'taskToken'] })).resolves.toBe('ImplicitlyDenied');
    await expect(notifyGet({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['approverLinks'] })).resolves.toBe('ImplicitlyDenied');
    await expect(notifyGet({ dynamodbLeadingKeys: REQUEST_KEY, dynamodbAttributes: ['status', 'reason'] })).resolves.toBe('ImplicitlyDenied');
  });
});
