import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { AUDITOR_READABLE_ATTRIBUTES } from '../../../handlers/core/request-table-schema';
import { evaluate, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { managedPolicyNamed, type NamedPolicy, resolve, resourcesOfType } from '../../helpers/iam-template';

const f = iamFixture();
/** An approver signs in to the hub through a role of their own; a session of it signs the calls. */
const approver = `arn:aws:sts::${f.hub}:assumed-role/OnCall/alice`;
const approverPolicies = [{ name: BROKER_NAMES.approverPolicy, policy: managedPolicyNamed(f.broker, BROKER_NAMES.approverPolicy) }];
const auditorPolicies = [{ name: BROKER_NAMES.auditorPolicy, policy: managedPolicyNamed(f.broker, BROKER_NAMES.auditorPolicy) }];
const table = `arn:aws:dynamodb:${f.region}:${f.hub}:table/${BROKER_NAMES.requestTable}`;
const apiId = String(resolve({ Ref: resourcesOfType(f.broker, 'AWS::ApiGatewayV2::Api')[0][0] }, f.broker));
/** The execute-api ARN API Gateway authorizes a call of the `$default` stage against. */
const route = (method: string, path: string) => `arn:aws:execute-api:${f.region}:${f.hub}:${apiId}/$default/${method}${path}`;

const as = (principal: string, policies: readonly NamedPolicy[], action: string, resource: string, request?: RequestParameters) =>
  evaluate({ principal, action, resource, identityPolicies: [...policies], ...(request ? { request } : {}) });

describe('jit-approver: terminal approvals through the approver routes only, evaluated from the synthesized policy', () => {
  it('invokes exactly the approver routes', async () => {
    for (const [method, path] of [
      ['GET', '/approvals'],
      ['GET', '/approvals/req-1234abcd'],
      ['POST', '/approvals/req-1234abcd/approve'],
      ['POST', '/approvals/req-1234abcd/deny'],
      ['POST', '/approvals/req-1234abcd/revoke'],
      ['POST', '/approvals/req-1234abcd/ack'],
    ]) {
      await expect(as(approver, approverPolicies, 'execute-api:Invoke', route(method, path))).resolves.toBe('Allowed');
    }
  });

  it('invokes no other route or method, not the review route and no other API', async () => {
    for (const resource of [
      route('POST', '/approvals'),
      route('DELETE', '/approvals/req-1234abcd'),
      route('GET', '/review/req-1234abcd'),
      route('POST', '/review/req-1234abcd'),
      `arn:aws:execute-api:${f.region}:${f.hub}:otherapi123/$default/POST/approvals/req-1234abcd/approve`,
    ]) {
      await expect(as(approver, approverPolicies, 'execute-api:Invoke', resource)).resolves.toBe('ImplicitlyDenied');
    }
  });

  it('refuses the forgery sequence at its first call: read the task token from the table', async () => {
    // The attack on the old policy: GetItem the pending request (its taskToken), then SendTaskSuccess with
    // a decision in another approver's name. The first call is denied, so there is no token to send.
    await expect(as(approver, approverPolicies, 'dynamodb:GetItem', table)).resolves.toBe('ImplicitlyDenied');
    await expect(as(approver, approverPolicies, 'dynamodb:GetItem', table, { dynamodbAttributes: ['requestId', 'taskToken'] })).resolves.toBe('ImplicitlyDenied');
    await expect(as(approver, approverPolicies, 'states:SendTaskSuccess', '*')).resolves.toBe('ImplicitlyDenied');
  });

  it('can neither read nor write the request table, nor answer or extend any task', async () => {
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      await expect(as(approver, approverPolicies, action, table)).resolves.toBe('ImplicitlyDenied');
      await expect(as(approver, approverPolicies, action, `${table}/index/byStatus`)).resolves.toBe('ImplicitlyDenied');
    }
    // Writing a live grant's status (so that jit revoke would answer "not active") is refused too.
    await expect(as(approver, approverPolicies, 'dynamodb:UpdateItem', table, { dynamodbAttributes: ['requestId', 'status', 'updatedAt'] })).resolves.toBe(
      'ImplicitlyDenied',
    );
    // Task tokens carry no ARN: SendTask* has no resource type and is authorized on `*`.
    // @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']) {
      await expect(as(approver, approverPolicies, action, '*')).resolves.toBe('ImplicitlyDenied');
    }
  });

  it('can no longer invoke the revoke function or send email as the broker: the approval function does both', async () => {
    await expect(as(approver, approverPolicies, 'lambda:InvokeFunction', `arn:aws:lambda:${f.region}:${f.hub}:function:${BROKER_NAMES.revokeFunction}`)).resolves.toBe(
      'ImplicitlyDenied',
    );
    await expect(
      as(approver, approverPolicies, 'ses:SendEmail', `arn:aws:ses:${f.region}:${f.hub}:identity/jit-broker@example.com`, { sesFromAddress: 'jit-broker@example.com' }),
    ).resolves.toBe('ImplicitlyDenied');
  });
});

describe('the agent can never break glass: it can invoke none of the approver routes', () => {
  it('is implicitly denied execute-api:Invoke on every approver route (approve with breakGlass, ack, and the rest)', async () => {
    for (const [method, path] of [
      ['GET', '/approvals'],
      ['GET', '/approvals/req-1234abcd'],
      ['POST', '/approvals/req-1234abcd/approve'],
      ['POST', '/approvals/req-1234abcd/deny'],
      ['POST', '/approvals/req-1234abcd/revoke'],
      ['POST', '/approvals/req-1234abcd/ack'],
    ]) {
      await expect(as(f.agentArn, f.agentPolicies, 'execute-api:Invoke', route(method, path))).resolves.toBe('ImplicitlyDenied');
    }
  });
});

describe('jit-auditor: reads where a report is, never the task token', () => {
  const auditor = `arn:aws:sts::${f.hub}:assumed-role/Auditors/carol`;

  it('reads the report fields of a request with a projected GetItem', async () => {
    await expect(as(auditor, auditorPolicies, 'dynamodb:GetItem', table, { dynamodbAttributes: [...AUDITOR_READABLE_ATTRIBUTES] })).resolves.toBe('Allowed');
    await expect(as(auditor, auditorPolicies, 'dynamodb:GetItem', table, { dynamodbAttributes: ['report'] })).resolves.toBe('Allowed');
  });

  it('cannot read the whole record, the task token or the link hashes', async () => {
    // A GetItem without a projection names no attribute: refused by `Null: false`, not let through by ForAllValues.
    await expect(as(auditor, auditorPolicies, 'dynamodb:GetItem', table)).resolves.toBe('ImplicitlyDenied');
    await expect(as(auditor, auditorPolicies, 'dynamodb:GetItem', table, { dynamodbAttributes: ['requestId', 'taskToken'] })).resolves.toBe('ImplicitlyDenied');
    await expect(as(auditor, auditorPolicies, 'dynamodb:GetItem', table, { dynamodbAttributes: ['report', 'approverLinks'] })).resolves.toBe('ImplicitlyDenied');
    for (const action of ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'states:SendTaskSuccess']) {
      await expect(as(auditor, auditorPolicies, action, action.startsWith('states') ? '*' : table)).resolves.toBe('ImplicitlyDenied');
    }
  });
});
