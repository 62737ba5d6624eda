import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addJitStacks } from '../../../infra/jit-app';
import { slackConfig } from '../../helpers/slack-fixtures';
import { synthApp } from '../../helpers/synth';

type Json = ReturnType<typeof synthApp>['json'];
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

function functionNamed(json: Json, entry: string): { id: string; props: Record<string, unknown> } | undefined {
  const found = Object.entries(json.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && (r.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables?.JIT_FUNCTION === entry,
  );
  return found && { id: found[0], props: found[1].Properties ?? {} };
}

function statementsOf(json: Json, entry: string): Statement[] {
  const role = functionNamed(json, entry)?.props.Role;
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles) === JSON.stringify([(role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] ? { Ref: (role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] } : role]))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('BrokerStack: Slack approvals', () => {
  const { template, json } = synthApp(slackConfig());

  it('adds POST /slack/interactions to the approval API, in front of its own function', () => {
    const routesOf = (j: Json) => Object.values(j.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').length;
    expect(routesOf(json)).toBe(routesOf(synthApp().json) + 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /slack/interactions', AuthorizationType: 'NONE' });
    expect(functionNamed(json, 'slack-interactions')).toBeDefined();
  });

  it('keeps seen requests in a table of their own whose items expire', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('lets the interaction and request-approval functions read the Slack secret only, and write no secret', () => {
    const secretArn = JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:jit/slack-??????']] });
    for (const entry of ['slack-interactions', 'request-approval']) {
      const statements = statementsOf(json, entry);
      const reads = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:')));
      expect(reads.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([['secretsmanager:GetSecretValue', secretArn]]);
    }
    const interactions = actionsOf(statementsOf(json, 'slack-interactions'));
    expect(interactions).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'events:PutEvents']));
    expect(interactions).not.toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:DeleteItem']));
  });

  it('names the function, which may invoke itself only, to hand presses off after answering Slack', () => {
    const fn = functionNamed(json, 'slack-interactions');
    expect(fn?.props.FunctionName).toBe('JitBroker-SlackInteractions');
    expect((fn?.props.Environment as { Variables: Record<string, unknown> }).Variables.SLACK_INTERACTIONS_FUNCTION).toBe('JitBroker-SlackInteractions');
    const invokes = statementsOf(json, 'slack-interactions').filter((s) => actionsOf([s]).some((a) => a.startsWith('lambda:')));
    expect(invokes.map((s) => [s.Sid, s.Action, JSON.stringify(s.Resource)])).toEqual([
      [
        'HandPressesToItself',
        'lambda:InvokeFunction',
        JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':function:JitBroker-SlackInteractions']] }),
      ],
    ]);
  });

  it('gives the function a vCPU share a cold start answers Slack with (1,024 MB, where the broker default is 256)', () => {
    // CPU in proportion to memory, one vCPU at 1,769 MB: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    // bench/cold-start.ts measured ~217 ms of CPU to the first answer: ~1.5 s at 256 MB, ~0.4 s at 1,024 MB.
    expect(functionNamed(json, 'slack-interactions')?.props.MemorySize).toBe(1024);
  });

  it('keeps a hand-off that failed every attempt on an encrypted queue instead of dropping it', () => {
    // Lambda retries a failed asynchronous invocation twice, then discards the event unless it has an
    // on-failure destination: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    const fn = functionNamed(json, 'slack-interactions');
    const configs = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    const config = configs[0]!.Properties as { FunctionName: unknown; MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number; DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': string[] } } } };
    expect(config.FunctionName).toEqual({ Ref: fn?.id });
    expect(config.MaximumRetryAttempts).toBe(2);
    expect(config.MaximumEventAgeInSeconds).toBe(3600);
    const [queueId] = config.DestinationConfig.OnFailure.Destination['Fn::GetAtt'];
    expect(json.Resources[queueId!]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 } });
    const sends = statementsOf(json, 'slack-interactions').filter((s) => actionsOf([s]).includes('sqs:SendMessage'));
    expect(sends.map((s) => JSON.stringify(s.Resource))).toEqual([JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] })]);
  });

  it('delivers the decision and end events of the broker bus to the function, which settles the prompts from the table', () => {
    const fn = functionNamed(json, 'slack-interactions');
    const rules = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify((r.Properties as { Targets?: unknown[] }).Targets ?? []).includes(JSON.stringify({ 'Fn::GetAtt': [fn?.id, 'Arn'] })),
    );
    expect(rules.map((r) => (r.Properties as { EventPattern: unknown }).EventPattern)).toEqual([
      {
        source: ['jit.broker'],
        'detail-type': ['Elevation Granted', 'Elevation Extended', 'Elevation Denied', 'Elevation Break Glass', 'Elevation Approval Expired', 'Elevation Failed', 'Elevation Refused'],
      },
    ]);
    expect(JSON.stringify((rules[0]!.Properties as { EventBusName: unknown }).EventBusName)).toContain('Bus');
    // EventBridge may invoke the function for this rule only.
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fn?.id, 'Arn'] } });
  });

  it('adds nothing without approval.slack', () => {
    const plain = synthApp().json;
    expect(functionNamed(plain, 'slack-interactions')).toBeUndefined();
    expect(JSON.stringify(plain)).not.toContain('/slack/interactions');
  });

  it('passes the cdk-nag AwsSolutions pack with Slack on, with no new acknowledgement', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'jit-nag-slack-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      addJitStacks(app, slackConfig());
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      let failure: string | undefined;
      try {
        app.synth();
      } catch (error) {
        failure = `${(error as Error).message}\n${(() => {
          try {
            return readFileSync(join(outdir, 'validation-report.json'), 'utf8');
          } catch {
            return '';
          }
        })()}`;
      }
      expect(failure).toBeUndefined();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
