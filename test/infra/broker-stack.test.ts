import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_VARIABLES, FUNCTION_ENTRY_VARIABLE, FUNCTION_ENVIRONMENT, type FunctionEntry } from '../../handlers/core/function-environment';
import { slackConfig } from '../helpers/slack-fixtures';
import { REPO_ROOT, synthApp } from '../helpers/synth';

/** Set on every broker function by `BrokerFunction` itself, outside the contract between stack and handlers. */
const RUNTIME_VARIABLES = ['POWERTOOLS_SERVICE_NAME', FUNCTION_ENTRY_VARIABLE, 'NODE_OPTIONS'];

const { template, json } = synthApp();

function functionsByEntry(template = json): Map<string, { Environment?: { Variables?: Record<string, unknown> }; Role?: unknown; [k: string]: unknown }> {
  const result = new Map();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const env = (resource.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables;
    const entry = env?.[FUNCTION_ENTRY_VARIABLE];
    if (typeof entry === 'string') result.set(entry, resource.Properties);
  }
  return result;
}

let slackJson: typeof json | undefined;
/** The stack with every optional function on (approval.slack adds slack-interactions), synthesized once. */
function withEveryFunction(): typeof json {
  slackJson ??= synthApp(slackConfig()).json;
  return slackJson;
}

describe('BrokerStack', () => {
  it('keeps requests in an on-demand table with point-in-time recovery and TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'jit-requests',
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAtEpoch', Enabled: true },
      KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
    });
  });

  it('creates one placeholder secret per configured account', () => {
    for (const id of ['222222222222', '333333333333']) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `agent/elevated/${id}`,
        SecretString: '{"status":"inactive"}',
      });
    }
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
  });

  it('stores audit reports in a versioned, encrypted, TLS-only, private bucket with Object Lock', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('starts the workflow from a rule on the broker bus for jit.agent requests, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'jit-broker' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['jit.agent'], 'detail-type': ['Elevation Requested', 'Elevation Extension Requested'] },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) })],
    });
  });

  it('runs a Standard state machine with logging that leaves out execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ IncludeExecutionData: false, Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('gives the reset safety net a schedule group and a role scheduler.amazonaws.com may assume', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'jit-broker-resets' });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'jit-broker-reset-scheduler',
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
  });

  it('runs every function on the current Node.js LTS runtime, arm64, with its own role', () => {
    const functions = functionsByEntry();
    expect([...functions.keys()].sort()).toEqual(['approval-web', 'audit', 'mint', 'notify', 'reconcile', 'register', 'request-approval', 'reset', 'revoke']);
    const roles = new Set<string>();
    for (const props of functions.values()) {
      expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      roles.add(JSON.stringify(props.Role));
    }
    expect(roles.size).toBe(functions.size);
  });

  it('sets exactly the environment variables of the contract each function reads at start-up', () => {
    // With every optional function on (approval.slack adds slack-interactions).
    const functions = functionsByEntry(withEveryFunction());
    expect([...functions.keys()].sort()).toEqual(Object.keys(FUNCTION_ENVIRONMENT).sort());
    for (const [entry, props] of functions) {
      const contract = FUNCTION_ENVIRONMENT[entry as FunctionEntry].map((key) => ENVIRONMENT_VARIABLES[key]);
      const provided = Object.keys(props.Environment?.Variables ?? {}).filter((name) => !RUNTIME_VARIABLES.includes(name));
      expect({ entry, provided: provided.sort() }).toEqual({ entry, provided: [...contract].sort() });
    }
  });

  it('has every entry point read its environment through the contract, under its own entry name', () => {
    for (const entry of functionsByEntry(withEveryFunction()).keys()) {
      // The entry point builds its runtime from the Lambda environment under its own name; its factory takes that runtime.
      const source = readFileSync(join(REPO_ROOT, 'handlers', 'lambda', `${entry}.ts`), 'utf8');
      const factory = readFileSync(join(REPO_ROOT, 'handlers', 'functions', `${entry}-function.ts`), 'utf8');
      expect({ entry, reads: source.includes(`lambdaRuntime('${entry}')`), takes: factory.includes(`FunctionRuntime<'${entry}'>`) }).toEqual({ entry, reads: true, takes: true });
      // Only variables the Lambda runtime or the sandbox set, never one the stack sets.
      const direct = [...`${source}\n${factory}`.matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => m[1]);
      expect({ entry, direct: direct.filter((name) => Object.values(ENVIRONMENT_VARIABLES).includes(name as never)) }).toEqual({ entry, direct: [] });
    }
  });

  it('names the roles target accounts trust, so they can be referenced without cross-stack exports', () => {
    for (const name of ['jit-broker-mint', 'jit-broker-reset', 'jit-broker-audit', 'jit-broker-revoke']) {
      template.hasResourceProperties('AWS::IAM::Role', { RoleName: name });
    }
  });
});
