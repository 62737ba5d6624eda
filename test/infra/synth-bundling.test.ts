import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { addJitStacks } from '../../infra/jit-app';
import { exampleConfig } from '../helpers/synth';

describe('cdk synth with bundling (what `npx cdk synth` does on a fresh clone)', () => {
  it('bundles every handler with the local esbuild, without Docker, into the cloud assembly', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'jit-cdk-out-'));
    const app = new App({ outdir });
    addJitStacks(app, exampleConfig());
    app.synth();

    const template = JSON.parse(readFileSync(join(outdir, 'JitBroker.template.json'), 'utf8'));
    const assets = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    const lambdas = Object.values(template.Resources as Record<string, { Type: string }>).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(assets.length).toBeGreaterThanOrEqual(lambdas.length);
    for (const asset of assets) {
      const index = join(outdir, asset, 'index.js');
      expect(statSync(index).size).toBeGreaterThan(1000);
      // The SDK comes from the Lambda runtime and must not be bundled.
      expect(readFileSync(index, 'utf8')).not.toMatch(/@aws-sdk\/client-[a-z-]+\/dist-cjs/);
    }
    // The settings are in the bundle of each function that reads them, the environment holds their digest.
    const readers = Object.values(template.Resources as Record<string, { Type: string; Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } } }>)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && typeof r.Properties.Environment?.Variables?.JIT_SETTINGS_SHA256 === 'string');
    expect(readers.length).toBeGreaterThanOrEqual(7);
    for (const fn of readers) {
      const file = join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'jit-settings.json');
      expect(existsSync(file)).toBe(true);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(fn.Properties.Environment.Variables.JIT_SETTINGS_SHA256);
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('JIT_SETTINGS');
    }
    rmSync(outdir, { recursive: true, force: true });
  }, 600_000);
});
