import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { LoadedConfig } from '../../infra/config/load-config';
import { addJitStacks } from '../../infra/jit-app';
import { readJson, writeJsonAtomic } from '../store/json-file';
import type { SynthesizedStack } from './deployed-template';
import { inlineNestedStacks, nestedTemplatesOf } from './nested-stacks';

/** The whole installation as `cdk synth` would produce it, for the sandbox to run. */
export interface SynthesizedInstallation {
  readonly loaded: LoadedConfig;
  readonly hubAccount: string;
  readonly region: string;
  readonly broker: SynthesizedStack;
  /** Target-account stacks by account id. */
  readonly targets: ReadonlyMap<string, SynthesizedStack>;
  /** With tripwires: each target account's forwarder stacks in the regions other than its target stack's. */
  readonly forwarders: readonly SynthesizedStack[];
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
    const read = (stackName: string, account: string, region: string, resources?: SynthesizedStack['resources']): SynthesizedStack => {
      const template = assembly.getStackByName(stackName).template as {
        Resources: SynthesizedStack['resources'];
        Outputs?: Record<string, { Value?: unknown }>;
        Description?: string;
      };
      const outputs: Record<string, string> = {};
      for (const [key, output] of Object.entries(template.Outputs ?? {})) if (typeof output.Value === 'string') outputs[key] = output.Value;
      return { name: stackName, account, region, resources: resources ?? template.Resources, outputs, ...(template.Description ? { description: template.Description } : {}) };
    };
    const { hub } = loaded.config;
    // The agents after the tenth are nested stacks, their templates files of the assembly.
    const brokerTemplate = assembly.getStackByName(stacks.broker.stackName).template as { Resources: SynthesizedStack['resources'] };
    const nested = nestedTemplatesOf(stacks.broker, (n) => JSON.parse(readFileSync(join(assembly.directory, n.templateFile), 'utf8')) as { Resources: SynthesizedStack['resources'] });
    const broker = {
      ...read(stacks.broker.stackName, hub.account, hub.region, inlineNestedStacks(brokerTemplate.Resources, nested)),
      settings: stacks.broker.settingsJson,
    };
    const targets = new Map<string, SynthesizedStack>();
    for (const account of loaded.config.accounts) {
      const stack = stacks.targets.get(account.name);
      if (stack) targets.set(account.id, read(stack.stackName, account.id, hub.region));
    }
    const forwarders = [...stacks.tripwireForwarders.values()].map((stack) => read(stack.stackName, stack.account, stack.region));
    return {
      loaded,
      hubAccount: hub.account,
      region: hub.region,
      broker,
      targets,
      forwarders,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** What the synthesized templates depend on: the code that builds them, and the CDK that runs it. */
const SYNTH_SOURCES = ['infra', 'workflows', 'handlers'];

function sourceDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry.name)) hash.update(path.slice(root.length)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const folder of SYNTH_SOURCES) walk(join(root, folder));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  hash.update(String((require('aws-cdk-lib/package.json') as { version: string }).version));
  return hash.digest('hex');
}

interface CachedSynth {
  readonly key: string;
  readonly broker: SynthesizedStack;
  readonly targets: Array<[string, SynthesizedStack]>;
  readonly forwarders?: SynthesizedStack[];
}

/**
 * Where synthesized installations are kept across sandbox homes: npm's conventional folder for tools'
 * caches. `npm install` fills it for the default config (`sandbox/warm-cache.ts`), so the first `npm start`
 * of a fresh clone does not synthesize.
 */
export function sharedSynthCacheDir(repoRoot: string = resolvePath(__dirname, '..', '..')): string {
  return join(repoRoot, 'node_modules', '.cache', 'jit-sandbox');
}

/**
 * `synthesizeInstallation`, kept in `$JIT_HOME/synth-cache.json` (and in the shared cache folder) and reused
 * while the config, its policies, the infra/workflow/handler sources and the CDK version are the same:
 * synthesis is most of the sandbox's start-up. Any change to them synthesizes again.
 */
export function cachedInstallation(
  loaded: LoadedConfig,
  home: string,
  repoRoot: string = resolvePath(__dirname, '..', '..'),
  sharedDir: string = sharedSynthCacheDir(repoRoot),
): SynthesizedInstallation & { readonly fromCache: boolean } {
  const key = createHash('sha256')
    .update(JSON.stringify(loaded.config))
    .update(JSON.stringify([...loaded.policies.entries()]))
    .update(sourceDigest(repoRoot))
    .digest('hex');
  const file = join(home, 'synth-cache.json');
  const shared = join(sharedDir, `${key.slice(0, 32)}.json`);
  const cached = [file, shared].map((f) => readJson<CachedSynth | undefined>(f, undefined)).find((c) => c?.key === key);
  if (cached) {
    const { hub } = loaded.config;
    if (readJson<CachedSynth | undefined>(file, undefined)?.key !== key) writeJsonAtomic(file, cached);
    return {
      loaded,
      hubAccount: hub.account,
      region: hub.region,
      broker: cached.broker,
      targets: new Map(cached.targets),
      forwarders: cached.forwarders ?? [],
      fromCache: true,
    };
  }
  const installation = synthesizeInstallation(loaded);
  const entry = { key, broker: installation.broker, targets: [...installation.targets.entries()], forwarders: [...installation.forwarders] } satisfies CachedSynth;
  writeJsonAtomic(file, entry);
  try {
    mkdirSync(sharedDir, { recursive: true });
    writeJsonAtomic(shared, entry);
  } catch {
    // The shared cache only saves time; a read-only install folder keeps the per-home copy alone.
  }
  return { ...installation, fromCache: false };
}
