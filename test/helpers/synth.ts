import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BrokerSettings } from '../../handlers/core/broker-settings';
import { type LoadedConfig, loadJitConfig, toBrokerSettings } from '../../infra/config/load-config';
import { addJitStacks, type JitStacks } from '../../infra/jit-app';
import type { CfnTemplate } from '../../sandbox/template/deployed-template';

export const REPO_ROOT = join(__dirname, '..', '..');
export const EXAMPLE_CONFIG = join(REPO_ROOT, 'jit.config.example.json');

export function exampleConfig(): LoadedConfig {
  return loadJitConfig(EXAMPLE_CONFIG);
}

/** The settings the broker stack hands its functions for the example config (with the roles' policies). */
export function exampleSettings(): BrokerSettings {
  const loaded = exampleConfig();
  return toBrokerSettings(loaded.config, loaded.policies);
}

export interface SynthesizedApp {
  readonly stacks: JitStacks;
  readonly template: Template;
  readonly json: CfnTemplate;
}

/** Synthesizes the app from a config without bundling Lambda code (tests do not deploy). */
export function synthApp(config: LoadedConfig = exampleConfig()): SynthesizedApp {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = addJitStacks(app, config);
  const template = Template.fromStack(stacks.broker);
  return { stacks, template, json: template.toJSON() as CfnTemplate };
}
