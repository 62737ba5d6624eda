import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { LoadedConfig } from '../../infra/config/load-config';
import { addJitStacks } from '../../infra/jit-app';
import type { CfnTemplate } from '../../workflows/local/synthesized-workflow';
import type { SynthesizedStack } from './deployed-template';

/** The whole installation as `cdk synth` would produce it, for the sandbox to run. */
export interface SynthesizedInstallation {
  readonly loaded: LoadedConfig;
  readonly hubAccount: string;
  readonly region: string;
  readonly broker: SynthesizedStack;
  /** The broker stack's template as synthesized (for the state machine definition). */
  readonly brokerTemplate: CfnTemplate;
  /** Target-account stacks by account id. */
  readonly targets: ReadonlyMap<string, SynthesizedStack>;
}

/**
 * Synthesizes the app from a config, in-process and without bundling Lambda code (the sandbox runs the
 * handler modules from source), exactly as `infra/app.ts` composes it for `cdk synth`.
 */
export function synthesizeInstallation(loaded: LoadedConfig): SynthesizedInstallation {
  const outdir = mkdtempSync(join(tmpdir(), 'jit-sandbox-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stacks = addJitStacks(app, loaded);
    const assembly = app.synth();
    const read = (stackName: string, account: string, region: string): SynthesizedStack => {
      const template = assembly.getStackByName(stackName).template as {
        Resources: SynthesizedStack['resources'];
        Outputs?: Record<string, { Value?: unknown }>;
        Description?: string;
      };
      const outputs: Record<string, string> = {};
      for (const [key, output] of Object.entries(template.Outputs ?? {})) if (typeof output.Value === 'string') outputs[key] = output.Value;
      return { name: stackName, account, region, resources: template.Resources, outputs, ...(template.Description ? { description: template.Description } : {}) };
    };
    const { hub } = loaded.config;
    const broker = read(stacks.broker.stackName, hub.account, hub.region);
    const targets = new Map<string, SynthesizedStack>();
    for (const account of loaded.config.accounts) {
      const stack = stacks.targets.get(account.name);
      if (stack) targets.set(account.id, read(stack.stackName, account.id, hub.region));
    }
    return {
      loaded,
      hubAccount: hub.account,
      region: hub.region,
      broker,
      brokerTemplate: { Resources: broker.resources as CfnTemplate['Resources'] },
      targets,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
