import { type App, CfnOutput, type Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { BrokerStack } from './broker-stack';
import { EscalationLintError } from './escalation/errors';
import type { EscalationPath } from './escalation/escalation-catalog';
import { allowedPathsSummary, escalationReport, refusalMessage, synthesizedElevatedRoles } from './escalation/escalation-report';
import type { LoadedConfig } from './config/load-config';
import { INSTALLATION_DIGEST_OUTPUT, installationDigest } from './installation-digest';
import { applyNagSuppressions } from './nag-suppressions';
import { STACK_NAMES, targetStackName, tripwireStackName } from '../handlers/core/resource-names';
import { separateForwarderRegions } from '../handlers/core/tripwire-regions';
import { ORG_GUARDRAILS_STACK_NAME, OrgGuardrailsStack } from './organization/org-guardrails-stack';
import { TargetAccountStack } from './target-account-stack';
import { TripwireForwarderStack } from './tripwire-forwarder-stack';

export interface JitStacks {
  readonly broker: BrokerStack;
  /** One stack per configured target account, by account name. */
  readonly targets: ReadonlyMap<string, TargetAccountStack>;
  /**
   * With `tripwires`: each target account's forwarder in every audited region and us-east-1 other than its
   * target stack's own region (whose rule the target stack holds), by stack name. Empty without tripwires.
   */
  readonly tripwireForwarders: ReadonlyMap<string, TripwireForwarderStack>;
  /** The organization guardrails, when the config has `organization`. */
  readonly organization?: OrgGuardrailsStack;
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
  const tripwireForwarders = new Map<string, TripwireForwarderStack>();
  if (loaded.config.tripwires) {
    for (const account of loaded.config.accounts) {
      for (const region of separateForwarderRegions(hub.region, loaded.config.audit.regions)) {
        const name = tripwireStackName(account.name, region);
        const forwarder = new TripwireForwarderStack(app, name, {
          config: loaded,
          account,
          region,
          env: { account: account.id, region },
          description: `Just-in-time AWS access for AI agents: tripwire forwarding of ${account.name} (${account.id}) in ${region}`,
        });
        // The broker bus's policy must admit the account before its rule sends anything.
        forwarder.addStackDependency(broker, 'the broker bus policy admits the forwarded calls');
        tripwireForwarders.set(name, forwarder);
      }
    }
  }
  // `jit doctor` compares this with the digest of the config it runs with: a stack is current when they match.
  const digest = installationDigest(loaded);
  for (const stack of [broker, ...targets.values(), ...tripwireForwarders.values()] as Stack[]) {
    new CfnOutput(stack, INSTALLATION_DIGEST_OUTPUT, { value: digest, description: 'Digest of the jit config and role policy files this stack was deployed from' });
  }
  applyNagSuppressions({ broker, targets }, loaded.policies);
  const org = loaded.config.organization;
  if (!org) return { broker, targets, tripwireForwarders };
  const organization = new OrgGuardrailsStack(app, ORG_GUARDRAILS_STACK_NAME, {
    config: loaded.config,
    // Organizations is a global service hosted in us-east-1.
    // @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
    env: { account: org.account, region: 'us-east-1' },
    description: 'Just-in-time AWS access for AI agents: organization guardrails (SCPs and RCP)',
  });
  return { broker, targets, tripwireForwarders, organization };
}

export interface SynthesizeOptions {
  /** Where the allowed escalation paths are printed. @default console.error (cdk synth shows stderr) */
  readonly log?: (line: string) => void;
  /** The escalation paths to check. @default the catalog, infra/escalation/escalation-paths.json */
  readonly catalog?: readonly EscalationPath[];
}

/**
 * Synthesizes the app as `cdk synth` does, then runs the escalation lint on the synthesized target
 * templates: an elevated role whose policies open a catalog path that the ceiling does not close fails the
 * synth (EscalationLintError), unless the role's `allowEscalation` names the path with a reason, which is
 * then printed through `log`. Reading the templates rather than the config means the lint judges exactly
 * what would be deployed, whatever the ceiling looks like today.
 */
export function synthesizeJitApp(app: App, loaded: LoadedConfig, options: SynthesizeOptions = {}): { stacks: JitStacks; assembly: CloudAssembly } {
  const log = options.log ?? console.error;
  const stacks = addJitStacks(app, loaded);
  const assembly = app.synth();
  const report = escalationReport(loaded, synthesizedElevatedRoles(loaded, assembly), options.catalog);
  if (report.refused.length > 0) throw new EscalationLintError(refusalMessage(report));
  allowedPathsSummary(report).forEach((line) => log(line));
  return { stacks, assembly };
}
