import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../helpers/synth';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

function statementsOfRole(json: ReturnType<typeof synthApp>['json'], roleName: string): Statement[] {
  const [roleId] = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName === roleName) ?? [];
  if (!roleId) throw new Error(`No role ${roleName}`);
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(roleId))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('BrokerStack: audit function', () => {
  const { template, json } = synthApp();

  it('may run a whole poll: 15 minutes and room for large sessions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JIT_FUNCTION: 'audit', REQUEST_TABLE: Match.anyValue(), AUDIT_BUCKET: Match.anyValue() }) },
      Timeout: 900,
      MemorySize: 1024,
    });
  });

  it('writes reports with s3:PutObject under reports/ only, and cannot touch Object Lock', () => {
    const s3Actions = statementsOfRole(json, 'jit-broker-audit')
      .flatMap((s) => actionsOf(s).map((a) => ({ a, resource: JSON.stringify(s.Resource) })))
      .filter(({ a }) => a.startsWith('s3:'));

    expect(s3Actions.map(({ a }) => a)).toEqual(['s3:PutObject']);
    expect(s3Actions[0].resource).toContain('/reports/*');
  });

  it('reads request records but cannot change them', () => {
    const dynamo = statementsOfRole(json, 'jit-broker-audit').flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));

    expect(dynamo).toEqual(['dynamodb:GetItem']);
  });
});

describe('BrokerStack: mint records issued credentials', () => {
  const { json } = synthApp();

  it('may append issued key ids to a request, and nothing else', () => {
    const statement = statementsOfRole(json, 'jit-broker-mint').find((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

    expect(statement).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Condition: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'issuedCredentials', 'updatedAt'] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_NEW'] },
      },
    });
  });
});

describe('ElevationWorkflow: audit states', () => {
  const { json } = synthApp();

  it('waits on timestamps the audit computes, and loops until it is done', () => {
    const machine = Object.values(json.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine?.Properties?.DefinitionString);

    for (const name of ['PlanAudit', 'WaitForTrail', 'CollectTrail', 'IsAuditDone', 'WaitForLateEvents', 'PlanMintFailedAudit', 'NotifyMintAudited']) {
      expect(definition).toContain(`\\"${name}\\"`);
    }
    expect(definition).toContain('\\"TimestampPath\\":\\"$.audit.nextPollAt\\"');
  });
});
