import { type App, CfnOutput, type Stack } from 'aws-cdk-lib';
import { BrokerStack } from './broker-stack';
import type { LoadedConfig } from './config/load-config';
import { INSTALLATION_DIGEST_OUTPUT, installationDigest } from './installation-digest';
import { applyNagSuppressions } from './nag-suppressions';
import { STACK_NAMES, targetStackName } from './naming';
import { TargetAccountStack } from './target-account-stack';

export interface JitStacks {
  readonly broker: BrokerStack;
  /** One stack per configured target account, by account name. */
  readonly targets: ReadonlyMap<string, TargetAccountStack>;
}

/** Adds every stack of a JIT installation to an app. */
export function addJitStacks(app: App, loaded: LoadedConfig): JitStacks {
  const { hub } = loaded.config;
  const broker = new BrokerStack(app, STACK_NAMES.broker, {
    config: loaded,
    env: { account: hub.account, region: hub.region },
    description: 'Just-in-time AWS access for AI agents: the broker (hub account)',
  });
  const targets = new Map<string, TargetAccountStack>();
  for (const account of loaded.config.accounts) {
    const target = new TargetAccountStack(app, targetStackName(account.name), {
      config: loaded,
      account,
      // IAM is global; the hub region keeps every stack of an installation in one place.
      env: { account: account.id, region: hub.region },
      description: `Just-in-time AWS access for AI agents: elevated roles and ceiling in ${account.name} (${account.id})`,
    });
    // IAM refuses a trust policy naming a role that does not exist yet: the broker's roles come first.
    target.addStackDependency(broker, 'target trust policies name the broker roles');
    targets.set(account.name, target);
  }
  // `jit doctor` compares this with the digest of the config it runs with: a stack is current when they match.
  const digest = installationDigest(loaded);
  for (const stack of [broker, ...targets.values()] as Stack[]) {
    new CfnOutput(stack, INSTALLATION_DIGEST_OUTPUT, { value: digest, description: 'Digest of the jit config and role policy files this stack was deployed from' });
  }
  applyNagSuppressions({ broker, targets }, loaded.policies);
  return { broker, targets };
}
