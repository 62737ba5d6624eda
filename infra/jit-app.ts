import type { App } from 'aws-cdk-lib';
import { BrokerStack } from './broker-stack';
import type { LoadedConfig } from './config/load-config';

export interface JitStacks {
  readonly broker: BrokerStack;
}

/** Adds every stack of a JIT installation to an app. */
export function addJitStacks(app: App, loaded: LoadedConfig): JitStacks {
  const { hub } = loaded.config;
  const broker = new BrokerStack(app, 'JitBroker', {
    config: loaded,
    env: { account: hub.account, region: hub.region },
    description: 'Just-in-time AWS access for AI agents: the broker (hub account)',
  });
  return { broker };
}
