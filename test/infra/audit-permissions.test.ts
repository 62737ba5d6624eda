import { Match } from 'aws-cdk-lib/assertions';
import { asList, identityPoliciesOfRole, synthesizedStack } from '../helpers/iam-template';
import { synthApp } from '../helpers/synth';

const { stacks, template, json } = synthApp();
const broker = synthesizedStack(stacks.broker);
const statementsOf = (roleName: string) => identityPoliciesOfRole(broker, roleName).flatMap((p) => p.policy.Statement);

describe('BrokerStack: audit function', () => {
  it('may run a whole poll: 15 minutes and room for large sessions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JIT_FUNCTION: 'audit', REQUEST_TABLE: Match.anyValue(), AUDIT_BUCKET: Match.anyValue() }) },
      Timeout: 900,
      MemorySize: 1024,
    });
  });

  it('writes reports with s3:PutObject under reports/ only, and cannot touch Object Lock', () => {
    const s3 = statementsOf('jit-broker-audit').filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));

    expect(s3).toHaveLength(1);
    expect(s3[0]).toMatchObject({ Effect: 'Allow', Action: 's3:PutObject' });
    expect(asList(s3[0].Resource)).toEqual([expect.stringMatching(/\/reports\/\*$/)]);
  });

  it('reads request records but cannot change them', () => {
    const dynamo = statementsOf('jit-broker-audit').flatMap((s) => asList(s.Action)).filter((a) => a.startsWith('dynamodb:'));

    expect(dynamo).toEqual(['dynamodb:GetItem']);
  });
});

describe('BrokerStack: mint records issued credentials', () => {
  it('may append issued key ids to a request, and nothing else', () => {
    const statement = statementsOf('jit-broker-mint').find((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));

    expect(statement).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Condition: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'issuedCredentials', 'updatedAt'] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_NEW'] },
      },
    });
    expect(asList(statement?.Resource)).toEqual([expect.stringMatching(/:table\/jit-requests$/)]);
  });
});

describe('ElevationWorkflow: audit states', () => {
  it('waits on timestamps the audit computes, and loops until it is done', () => {
    const machine = Object.values(json.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine?.Properties?.DefinitionString);

    for (const name of ['PlanAudit', 'WaitForTrail', 'CollectTrail', 'IsAuditDone', 'WaitForLateEvents', 'PlanMintFailedAudit', 'NotifyMintAudited']) {
      expect(definition).toContain(`\\"${name}\\"`);
    }
    expect(definition).toContain('\\"TimestampPath\\":\\"$.audit.nextPollAt\\"');
  });
});
