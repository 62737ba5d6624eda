import { inlineNestedStacks } from '../../../sandbox/template/nested-stacks';
import type { CfnResource } from '../../../sandbox/template/deployed-template';

const parent: Record<string, CfnResource> = {
  Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'jit-broker' } },
  AgentStackClaude: {
    Type: 'AWS::CloudFormation::Stack',
    Properties: { TemplateURL: 'https://example.com/t.json', Parameters: { referencetoBusArn: { 'Fn::GetAtt': ['Bus', 'Arn'] } } },
  },
  Reader: { Type: 'AWS::IAM::Policy', Properties: { Queue: { 'Fn::GetAtt': ['AgentStackClaude', 'Outputs.QueueUrl'] } }, DependsOn: ['AgentStackClaude', 'Bus'] },
};
const nested = {
  logicalId: 'AgentStackClaude',
  template: {
    Resources: {
      User: { Type: 'AWS::IAM::User', Properties: { UserName: 'jit-agent-claude' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Users: [{ Ref: 'User' }], Resource: [{ Ref: 'referencetoBusArn' }, { 'Fn::GetAtt': ['Queue', 'Arn'] }, { Ref: 'AWS::AccountId' }] },
        DependsOn: 'User',
      },
    },
    Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } },
  },
};

describe('nested stacks, inlined as CloudFormation resolves them', () => {
  it('renames the nested resources, substitutes the parameters and resolves the outputs the parent reads', () => {
    const merged = inlineNestedStacks(parent, [nested]);
    expect(Object.keys(merged).sort()).toEqual(['AgentStackClaudePolicy', 'AgentStackClaudeQueue', 'AgentStackClaudeUser', 'Bus', 'Reader']);
    expect(merged.AgentStackClaudePolicy).toEqual({
      Type: 'AWS::IAM::Policy',
      Properties: { Users: [{ Ref: 'AgentStackClaudeUser' }], Resource: [{ 'Fn::GetAtt': ['Bus', 'Arn'] }, { 'Fn::GetAtt': ['AgentStackClaudeQueue', 'Arn'] }, { Ref: 'AWS::AccountId' }] },
      DependsOn: ['AgentStackClaudeUser'],
    });
    expect(merged.Reader).toEqual({ Type: 'AWS::IAM::Policy', Properties: { Queue: { Ref: 'AgentStackClaudeQueue' } }, DependsOn: ['Bus'] });
  });

  it('leaves a stack without nested stacks as it is', () => {
    const plain = { Bus: parent.Bus };
    expect(inlineNestedStacks(plain, [])).toEqual(plain);
  });

  it('refuses an output the nested stack does not have, and a logical id both stacks would hold', () => {
    const reading = { ...parent, Reader: { Type: 'AWS::IAM::Policy', Properties: { Queue: { 'Fn::GetAtt': ['AgentStackClaude', 'Outputs.Nope'] } } } };
    expect(() => inlineNestedStacks(reading, [nested])).toThrow('The parent stack reads AgentStackClaude.Outputs.Nope, which the nested stack does not output.');
    const clash = { ...parent, AgentStackClaudeUser: { Type: 'AWS::IAM::User' } };
    expect(() => inlineNestedStacks(clash, [nested])).toThrow('The nested resource AgentStackClaudeUser has the logical id of a resource of the parent stack.');
  });
});
