import { secretNameFor } from '../../handlers/core/broker-settings';
import { assumedRoleSessionArn, BROKER_NAMES, TARGET_NAMES } from '../../handlers/core/resource-names';
import {
  asList,
  identityPoliciesOf,
  principalLogicalId,
  prop,
  resolve,
  resourcesOfType,
  synthesizedStack,
  type NamedPolicy,
  type SynthesizedStack,
} from './iam-template';
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
  /**
   * IAM names of the elevated roles `prod` deploys: every role the template attaches the deny-always
   * ceiling to. Read from the synthesized template, so tests follow whatever the config names them.
   */
  readonly elevatedRoleNames: string[];
  /** The role session the broker's mint function runs as (a Lambda role session: no source identity). */
  readonly mintSession: string;
}

/** Every role of a synthesized target stack that carries the deny-always ceiling. */
export function elevatedRoleNamesOf(stack: SynthesizedStack): string[] {
  const ceiling = resourcesOfType(stack, 'AWS::IAM::ManagedPolicy').find(([, r]) => prop(r, 'ManagedPolicyName') === TARGET_NAMES.denyAlwaysPolicy);
  if (!ceiling) throw new Error(`${stack.name} has no ${TARGET_NAMES.denyAlwaysPolicy} policy`);
  return resourcesOfType(stack, 'AWS::IAM::Role')
    .filter(([, role]) => asList(prop(role, 'ManagedPolicyArns')).some((arn) => JSON.stringify(arn) === JSON.stringify({ Ref: ceiling[0] })))
    .map(([, role]) => String(resolve(prop(role, 'RoleName'), stack)));
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
    elevatedRoleNames: elevatedRoleNamesOf(prod),
    mintSession: assumedRoleSessionArn('aws', hub.account, BROKER_NAMES.mintRole, 'JitBroker-MintFunction'),
  };
}

export { BROKER_NAMES };
