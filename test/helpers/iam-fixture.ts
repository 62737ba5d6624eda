import { secretNameFor } from '../../handlers/core/broker-settings';
import { BROKER_NAMES } from '../../infra/naming';
import { identityPoliciesOf, principalLogicalId, synthesizedStack, type NamedPolicy, type SynthesizedStack } from './iam-template';
import { exampleConfig, synthApp } from './synth';

/** The example config's installation, synthesized once per test file, with the names tests refer to. */
export interface IamFixture {
  readonly broker: SynthesizedStack;
  /** `JitTarget-prod`, which has every role of the example config. */
  readonly prod: SynthesizedStack;
  readonly hub: string;
  readonly region: string;
  readonly prodAccount: string;
  readonly stagingAccount: string;
  readonly agentArn: string;
  readonly agentPolicies: NamedPolicy[];
  readonly secretArn: (accountId: string) => string;
  readonly brokerRoleArn: (name: string) => string;
}

export function iamFixture(): IamFixture {
  const loaded = exampleConfig();
  const { stacks } = synthApp(loaded);
  const broker = synthesizedStack(stacks.broker);
  const prod = synthesizedStack(stacks.targets.get('prod')!);
  const { hub, accounts, agent } = loaded.config;
  const agentName = agent.name ?? 'jit-agent';
  return {
    broker,
    prod,
    hub: hub.account,
    region: hub.region,
    prodAccount: accounts.find((a) => a.name === 'prod')!.id,
    stagingAccount: accounts.find((a) => a.name === 'staging')!.id,
    agentArn: `arn:aws:iam::${hub.account}:${agent.kind}/${agentName}`,
    agentPolicies: identityPoliciesOf(broker, principalLogicalId(broker, agent.kind, agentName)),
    secretArn: (accountId) => `arn:aws:secretsmanager:${hub.region}:${hub.account}:secret:${secretNameFor(accountId)}-AbCdEf`,
    brokerRoleArn: (name) => `arn:aws:iam::${hub.account}:role/${name}`,
  };
}

export { BROKER_NAMES };
