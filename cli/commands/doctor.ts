import { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { AwsDeploymentProbe } from '../doctor/aws-deployment-probe';
import { type CheckResult, runDoctorChecks } from '../doctor/doctor-checks';

const MARK: Readonly<Record<CheckResult['status'], string>> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

function render(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]}  ${r.id}: ${r.detail}`);
    if (r.fix && r.status !== 'pass') lines.push(`      fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'skip').length;
  lines.push('', failed === 0 ? `All ${results.length - skipped} checks passed${skipped ? `, ${skipped} skipped` : ''}.` : `${failed} of ${results.length} checks failed${skipped ? `, ${skipped} skipped` : ''}.`);
  return lines.join('\n');
}

/**
 * `jit doctor`: read-only checks of a deployment, with the caller's credentials, in the caller's
 * account: one line per check, and the fix for each failure. Exit 0 when nothing failed (skips allowed),
 * 19 when anything did.
 */
export function doctorCommand(context: (command: Command) => CliContext): Command {
  return new Command('doctor')
    .description("Check a deployment (read-only): stacks, SES, secrets, the mint role's trust, trails, Object Lock, each agent's permissions (--agent: one)")
    .action(async (_options, command: Command) => {
      const ctx = context(command);
      const clients = ctx.clients();
      const probe = new AwsDeploymentProbe({
        sts: clients.sts(),
        cloudFormation: clients.cloudFormation(),
        cloudFormationIn: (region) => clients.cloudFormation(region),
        sesv2: clients.sesv2(),
        secretsManager: clients.secretsManager(),
        iam: clients.iam(),
        s3: clients.s3(),
        cloudTrail: clients.cloudTrail(),
        cloudTrailIn: (region) => clients.cloudTrail(region),
      });
      const spinner = ctx.spinner('Checking the deployment…');
      let results: CheckResult[];
      try {
        // Every configured agent's secrets and standing permissions, or only those of the one named with
        // --agent / JIT_AGENT (an agent's own key reads its own secrets only).
        results = await runDoctorChecks({ loaded: ctx.config(), probe, now: ctx.clock.now(), ...(ctx.options.agent !== undefined ? { agents: [ctx.agent()] } : {}) });
      } finally {
        spinner.stop();
      }
      const failed = results.filter((r) => r.status === 'fail');
      ctx.data({ ok: failed.length === 0, checks: results }, render(results));
      if (failed.length > 0) {
        throw new CliError(`${failed.length} check(s) failed: ${failed.map((r) => r.id).join(', ')}.`, EXIT.DOCTOR_FAILED, 'Each failure above says how to fix it.', {
          details: { failed: failed.map((r) => r.id) },
        });
      }
    });
}
