import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { type LoadedConfig, loadJitConfig } from '../../../infra/config/load-config';
import type { EscalationPath } from '../../../infra/escalation/escalation-catalog';
import { EscalationLintError } from '../../../infra/escalation/errors';
import { synthesizeJitApp } from '../../../infra/jit-app';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

/** Synth takes several seconds on a quiet machine; a busy one needs room. */
const SYNTH_TIMEOUT = 120_000;

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jit-escalation-'));
  dirs.push(dir);
  return dir;
}

/** The example config with the Ops role's policy file replaced, loaded as `cdk synth` loads it. */
function exampleWithOpsPolicy(statements: unknown[], opsAllowances?: unknown): LoadedConfig {
  const dir = tempDir();
  const config = structuredClone(example);
  config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  writeFileSync(join(dir, 'ops.json'), JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  config.roles[0].policyFile = join(dir, 'ops.json');
  if (opsAllowances === undefined) delete config.roles[0].allowEscalation;
  else config.roles[0].allowEscalation = opsAllowances;
  writeFileSync(join(dir, 'jit.config.json'), JSON.stringify(config));
  return loadJitConfig(join(dir, 'jit.config.json'));
}

function synth(loaded: LoadedConfig, catalog?: readonly EscalationPath[]): string[] {
  const printed: string[] = [];
  synthesizeJitApp(new App({ outdir: tempDir(), context: { 'aws:cdk:bundling-stacks': [] } }), loaded, { log: (line) => printed.push(line), ...(catalog ? { catalog } : {}) });
  return printed;
}

/**
 * A path that no shipped role opens and that no ceiling closes without stopping every deployment, so these
 * tests hold whatever the ceiling denies: pushing to the repository an existing pipeline deploys from (the
 * code then runs with the pipeline's roles). The test catalog holds it under a real catalog id, so that
 * config validation accepts an allowance for it.
 */
const artifactPath: EscalationPath = {
  id: 'lambda-update-function-code',
  title: 'Push code to the repository an existing pipeline deploys',
  steps: [{ anyOf: [{ action: 'codecommit:GitPush', resource: 'arn:{partition}:codecommit:{region}:{account}:existing-repo' }] }],
  why: 'The pipeline deploys the pushed code with its own roles.',
  fix: 'Limit codecommit:GitPush to the repositories the role owns.',
  reference: 'https://docs.aws.amazon.com/codecommit/latest/userguide/auth-and-access-control-permissions-reference.html',
};
const pushAnyRepo = { Effect: 'Allow', Action: ['codecommit:GitPush', 'ec2:DescribeInstances'], Resource: '*' };

describe('cdk synth: escalation lint', () => {
  it(
    'fails when a policy file opens a path, naming the role, the action and the fix',
    () => {
      const loaded = exampleWithOpsPolicy([pushAnyRepo]);
      let error: unknown;
      try {
        synth(loaded, [artifactPath]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EscalationLintError);
      const message = (error as Error).message;
      expect(message).toContain('Escalation lint: 1 privilege-escalation path open that the ceiling does not close.');
      expect(message).toContain(
        'roles.0 (Ops, IAM role AgentElevated-Ops in prod (222222222222), staging (333333333333)) opens "lambda-update-function-code" (Push code to the repository an existing pipeline deploys): allowed: codecommit:GitPush on arn:aws:codecommit:eu-west-1:222222222222:existing-repo.',
      );
      expect(message).toContain(
        'Fix: Limit codecommit:GitPush to the repositories the role owns. If the role must keep this path, add {"path": "lambda-update-function-code", "reason": "<why the role needs it>"} to roles.0.allowEscalation.',
      );
    },
    SYNTH_TIMEOUT,
  );

  it(
    'passes when the config allows the path with a reason, and prints the reason',
    () => {
      const reason = 'Ops ships function artifacts; the bucket is versioned and reviewed';
      const loaded = exampleWithOpsPolicy([pushAnyRepo], [{ path: 'lambda-update-function-code', reason }]);
      expect(synth(loaded, [artifactPath])).toEqual([
        'Allowed escalation paths (roles[].allowEscalation):',
        `  - roles.0 (Ops) keeps "lambda-update-function-code" (Push code to the repository an existing pipeline deploys) in prod (222222222222), staging (333333333333): ${reason}`,
      ]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'passes the shipped example config with the full catalog, printing each allowed path and its reason (or that it is no longer needed)',
    () => {
      const loaded = loadJitConfig(EXAMPLE_CONFIG);
      const printed = synth(loaded);
      for (const [i, role] of loaded.config.roles.entries()) {
        for (const allowance of role.allowEscalation ?? []) {
          // Either still open and printed with its reason, or closed by the ceiling and noted as removable.
          expect(printed.some((line) => (line.includes(`roles.${i} (${role.name}) keeps "${allowance.path}"`) && line.endsWith(allowance.reason)) || line.includes(`roles.${i}.allowEscalation names "${allowance.path}"`))).toBe(true);
        }
      }
    },
    SYNTH_TIMEOUT,
  );
});
