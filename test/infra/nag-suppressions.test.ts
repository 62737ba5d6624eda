import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addJitStacks } from '../../infra/jit-app';
import type { LoadedConfig } from '../../infra/config/load-config';
import { loadedConfigWithAgents } from '../helpers/config-variant';
import { exampleConfig } from '../helpers/synth';

/** Synthesizes the example installation (or `config`) with the AwsSolutions pack as a validation plugin. */
function synthWithNag(config: LoadedConfig = exampleConfig()): { error?: Error; report: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'jit-nag-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    addJitStacks(app, config);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
      return { report: '' };
    } catch (error) {
      let report = '';
      try {
        report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
      } catch {
        // No report: the error itself says what went wrong.
      }
      return { error: error as Error, report };
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('cdk-nag AwsSolutions pack over every stack', () => {
  it('finds nothing that is not acknowledged with a reason in infra/nag-suppressions.ts', () => {
    const { error, report } = synthWithNag();
    expect({ error: error?.message, report }).toEqual({ error: undefined, report: '' });
  });

  it('finds nothing unacknowledged with twelve agents either: every agent, in the broker stack or nested', () => {
    const { error, report } = synthWithNag(loadedConfigWithAgents(12));
    expect({ error: error?.message, report }).toEqual({ error: undefined, report: '' });
  }, 300_000);

  it('reports an unacknowledged wildcard, so the pack really runs', () => {
    // Prepare: the same app, but a broker role grows an unacknowledged wildcard.
    const outdir = mkdtempSync(join(tmpdir(), 'jit-nag-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      const { broker } = addJitStacks(app, exampleConfig());
      broker.functions.notify.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:*'], resources: ['*'] }));
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

      // Act / Assess
      expect(() => app.synth()).toThrow(/JitBroker\/Notify\/Role\/DefaultPolicy[\s\S]*AwsSolutions-IAM5\[Action::sqs:\*\]/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
