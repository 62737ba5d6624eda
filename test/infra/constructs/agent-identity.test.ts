import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { addJitStacks } from '../../../infra/jit-app';
import { exampleConfig } from '../../helpers/synth';

const ANCHOR = 'arn:aws:rolesanywhere:eu-west-1:111111111111:trust-anchor/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

function brokerWithAgent(agent: unknown): Template {
  const loaded = exampleConfig();
  const config = { ...loaded.config, agent } as typeof loaded.config;
  const { broker } = addJitStacks(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), { ...loaded, config });
  return Template.fromStack(broker);
}

describe('AgentIdentity', () => {
  it('creates a user without access keys by default', () => {
    const template = brokerWithAgent({ kind: 'user' });
    template.hasResourceProperties('AWS::IAM::User', { UserName: 'jit-agent' });
    template.resourceCountIs('AWS::IAM::AccessKey', 0);
  });

  it('creates a role trusted by the configured service, role and Roles Anywhere anchor only', () => {
    const template = brokerWithAgent({
      kind: 'role',
      trust: {
        services: ['ec2.amazonaws.com'],
        principals: ['arn:aws:iam::444444444444:role/agent-runner'],
        rolesAnywhere: { trustAnchorArns: [ANCHOR], certificateCommonName: 'ops-bot' },
      },
    });
    template.resourceCountIs('AWS::IAM::User', 0);
    const anchorCondition = {
      ArnEquals: { 'aws:SourceArn': [ANCHOR] },
      StringEquals: { 'aws:PrincipalTag/x509Subject/CN': 'ops-bot' },
    };
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'jit-agent',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }),
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::444444444444:role/agent-runner' } }),
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'rolesanywhere.amazonaws.com' }, Condition: anchorCondition }),
          Match.objectLike({
            Action: ['sts:TagSession', 'sts:SetSourceIdentity'],
            Principal: { Service: 'rolesanywhere.amazonaws.com' },
            Condition: anchorCondition,
          }),
        ]),
      },
    });
  });

  it('lets the secrets be read by the agent role when the agent is a role', () => {
    const template = brokerWithAgent({ kind: 'role', name: 'ops-bot', trust: { services: ['ec2.amazonaws.com'] } });
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'OnlyTheAgentAndTheBrokerReadGrants',
            Condition: {
              ArnNotEquals: {
                'aws:PrincipalArn': Match.arrayWith([
                  { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/ops-bot']] },
                ]),
              },
            },
          }),
        ]),
      },
    });
  });
});
