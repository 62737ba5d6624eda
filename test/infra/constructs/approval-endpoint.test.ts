import { Match } from 'aws-cdk-lib/assertions';
import { STATUS_INDEX } from '../../../handlers/core/request-table-schema';
import { exampleConfig, synthApp } from '../../helpers/synth';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function functionNamed(json: ReturnType<typeof synthApp>['json'], entry: string): [string, Record<string, unknown>] {
  const found = Object.entries(json.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && (r.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables?.JIT_FUNCTION === entry,
  );
  if (!found) throw new Error(`No function ${entry}`);
  return [found[0], found[1].Properties ?? {}];
}

function statementsOfRole(json: ReturnType<typeof synthApp>['json'], roleRef: unknown): Statement[] {
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles) === JSON.stringify([roleRef]))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('BrokerStack: approval endpoint', () => {
  const { template, json } = synthApp();

  it('serves the review link and the IAM-authorized approver routes from one HTTP API, throttled', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'jit-approvals', ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 7);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /review/{requestId}', AuthorizationType: 'NONE' });
    for (const routeKey of [
      'GET /approvals',
      'GET /approvals/{requestId}',
      'POST /approvals/{requestId}/approve',
      'POST /approvals/{requestId}/deny',
      'POST /approvals/{requestId}/revoke',
      'POST /approvals/{requestId}/ack',
    ]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'AWS_IAM' });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('keeps the capability out of the access log', () => {
    const stage = Object.values(json.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
    const format = String((stage?.Properties?.AccessLogSettings as { Format: string }).Format);
    expect(format).toContain('$context.routeKey');
    expect(format).not.toMatch(/\$context\.(path|querystring)|\$request\.querystring/i);
  });

  it('links the approval emails to that API, unless approval.publicUrl says otherwise', () => {
    const [, props] = functionNamed(json, 'request-approval');
    const url = (props.Environment as { Variables: Record<string, unknown> }).Variables.REVIEW_BASE_URL;
    expect(url).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApprovalsApi[A-Z0-9]+$/), 'ApiEndpoint'] });

    const loaded = exampleConfig();
    const custom = { ...loaded, config: { ...loaded.config, approval: { ...loaded.config.approval, publicUrl: 'https://approve.example.com' } } };
    const [, customProps] = functionNamed(synthApp(custom).json, 'request-approval');
    expect((customProps.Environment as { Variables: Record<string, unknown> }).Variables.REVIEW_BASE_URL).toBe('https://approve.example.com');
  });

  it('lets the approval function read requests, claim decisions, answer the task, email, publish refusals and hand revokes on, and nothing else', () => {
    const [, props] = functionNamed(json, 'approval-web');
    const statements = statementsOfRole(json, props.Role && { Ref: (props.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0] });
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'lambda:InvokeFunction',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ses:SendEmail',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
        'states:SendTaskSuccess',
      ].sort(),
    );
    // `jit pending` reads the status index (which projects no task token); revokes go to the revoke function only.
    expect(JSON.stringify(statements.find((s) => s.Action === 'dynamodb:Query')?.Resource)).toContain(`/index/${STATUS_INDEX}`);
    expect(JSON.stringify(statements.find((s) => s.Action === 'lambda:InvokeFunction')?.Resource)).toMatch(/EarlyRevoke/);
    expect(statements.find((s) => s.Action === 'ses:SendEmail')?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'jit-broker@example.com' } });
  });

  it('indexes requests by status without projecting the task token or link hashes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: STATUS_INDEX,
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'requestedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: Match.not(Match.arrayWith(['taskToken'])) },
        },
      ],
    });
    const table = Object.values(json.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table');
    const projected = JSON.stringify((table?.Properties?.GlobalSecondaryIndexes as unknown[])[0]);
    expect(projected).not.toMatch(/taskToken|approverLinks/);
  });

  it('offers a jit-approver managed policy that invokes the approver routes and nothing else', () => {
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties?.ManagedPolicyName === 'jit-approver');
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Sid: 'InvokeTheApproverRoutesOnly', Action: 'execute-api:Invoke' });
    const resources = (statements[0].Resource as unknown[]).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(6);
    for (const tail of ['/*/GET/approvals"', '/*/GET/approvals/*"', '/*/POST/approvals/*/approve"', '/*/POST/approvals/*/deny"', '/*/POST/approvals/*/revoke"', '/*/POST/approvals/*/ack"']) {
      expect(resources.some((r) => r.endsWith(`${tail}]]}`))).toBe(true);
    }
    expect(JSON.stringify(policy)).not.toMatch(/dynamodb|states:|secretsmanager|sts:AssumeRole|lambda:|"\*"/);
  });

  it('offers a jit-auditor managed policy that reads reports under reports/ and only the report fields of request records, and changes nothing', () => {
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::IAM::ManagedPolicy' && r.Properties?.ManagedPolicyName === 'jit-auditor');
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    expect(statements.map((s) => s.Sid)).toEqual(['ReadAuditReports', 'VerifyReportSignatures', 'FindAuditReports', 'ReadPublishedDigestsOnly']);
    expect(statements.find((s) => s.Sid === 'ReadPublishedDigestsOnly')?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'accountId', 'report'] },
      Null: { 'dynamodb:Attributes': 'false' },
    });
    // kms:GetPublicKey on the report-signing key only: auditors verify manifests, never sign them.
    expect(actions.sort()).toEqual(['dynamodb:GetItem', 'kms:GetPublicKey', 's3:GetObject', 's3:GetObjectRetention', 's3:GetObjectVersion', 's3:ListBucket']);
    expect(JSON.stringify(statements.find((s) => s.Sid === 'VerifyReportSignatures')?.Resource)).toMatch(/ReportSigningKey/);
    expect(JSON.stringify(statements.find((s) => s.Sid === 'ReadAuditReports')?.Resource)).toMatch(/"\/reports\/\*"\]/);
    expect(statements.every((s) => (s as { Effect?: string }).Effect === 'Allow')).toBe(true);
  });
});
