import { type AgentRef, agentEventSource, agentQueueName, agentSecretName } from '../../handlers/core/agents';
import { type TargetAccount, agentsOf as agentRefsOf } from '../../handlers/core/broker-settings';
import { sourceIdentityFor } from '../../handlers/core/grant-window';
import { PLACEHOLDER_SECRET, parseSecretValue } from '../../handlers/core/secret-value';
import { agentPrincipalArn, agentsOf, type LoadedConfig, toBrokerSettings } from '../../infra/config/load-config';
import { INSTALLATION_DIGEST_OUTPUT, installationDigest } from '../../infra/installation-digest';
import { BROKER_NAMES, STACK_NAMES, auditBucketName, roleArn as iamRoleArn, targetStackName, tripwireStackName } from '../../handlers/core/resource-names';
import { separateForwarderRegions } from '../../handlers/core/tripwire-regions';
import { evaluatePolicies, toPolicyDocument, UnsupportedPolicyError } from '../../sandbox/iam/policy-evaluator';
import { type DeploymentProbe, ProbeAccessDeniedError, type SimulationContextEntry, type SimulationRequest } from './deployment-probe';

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of `jit doctor`: what was checked, how it went, and what to do about a failure. */
export interface CheckResult {
  /** Stable id, e.g. `stack:JitBroker`, `trust:prod/Ops`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found, in one sentence. */
  readonly detail: string;
  /** What to do about it (failures and skips). */
  readonly fix?: string;
}

export interface DoctorInput {
  readonly loaded: LoadedConfig;
  readonly probe: DeploymentProbe;
  /** Sandbox or AWS time; decides whether a grant in a secret is still live. */
  readonly now: Date;
  /** The AWS partition. @default 'aws' */
  readonly partition?: string;
  /** The agents whose secrets and standing permissions are checked (`--agent`). @default every configured agent */
  readonly agents?: readonly AgentRef[];
}

/**
 * A check's id for one agent: the first agent's as before several agents (`secret:prod`, `agent:standing`),
 * another's with its id (`secret:ops-bot/prod`, `agent:ops-bot:standing`).
 */
function agentCheckId(kind: 'secret' | 'standing', agent: AgentRef, account?: TargetAccount): string {
  if (kind === 'secret') return agent.primary ? `secret:${account?.name}` : `secret:${agent.id}/${account?.name}`;
  return agent.primary ? 'agent:standing' : `agent:${agent.id}:standing`;
}

const PARTITION = 'aws';
/** A probe SourceIdentity in the broker's own format (`jit-<requestId>`), as the mint sets it. */
const PROBE_SOURCE_IDENTITY = sourceIdentityFor('doctor-probe-0000');
/** CloudFormation states of a stack that is deployed and not changing. */
const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

const pass = (id: string, detail: string): CheckResult => ({ id, status: 'pass', detail });
const fail = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'fail', detail, fix });
const skip = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'skip', detail, fix });

/** Runs one check; a read the caller may not make skips it instead of failing the whole run. */
async function guarded(id: string, run: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const result = await run();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    if (error instanceof ProbeAccessDeniedError) {
      return [skip(id, `your credentials may not call ${error.api}: ${error.message}`, 'Run jit doctor with credentials that may read the deployment (an administrator of the account, e.g. --profile <admin>).')];
    }
    throw error;
  }
}

async function stackCheck(probe: DeploymentProbe, name: string, digest: string, region?: string): Promise<CheckResult> {
  const id = `stack:${name}`;
  const stack = await probe.stack(name, region);
  const deploy = `npx cdk deploy ${name}`;
  if (!stack) {
    const where = region ? `in this account in ${region}` : 'in this account and region';
    const bootstrap = region ? ` (the region must be bootstrapped first: npx cdk bootstrap aws://<account>/${region})` : '';
    return fail(id, `no stack ${name} ${where}`, `Deploy it: ${deploy}${bootstrap} (docs/deploy.md).`);
  }
  if (!SETTLED.has(stack.status)) {
    const reason = stack.statusReason ? ` (${stack.statusReason})` : '';
    const fix = stack.status.endsWith('_IN_PROGRESS')
      ? `Wait for CloudFormation to finish, then run jit doctor again.`
      : `See what failed: aws cloudformation describe-stack-events --stack-name ${name}; fix it and run ${deploy}.`;
    return fail(id, `${name} is ${stack.status}${reason}`, fix);
  }
  const deployed = stack.outputs[INSTALLATION_DIGEST_OUTPUT];
  if (deployed !== digest) {
    return fail(
      id,
      deployed ? `${name} was deployed from another config or policy files (digest ${deployed}, this config ${digest})` : `${name} has no ${INSTALLATION_DIGEST_OUTPUT} output: it predates this version`,
      `Deploy the current config: ${deploy} (npx cdk diff ${name} shows what changes).`,
    );
  }
  return pass(id, `${name} is ${stack.status} and deployed from this config (digest ${digest})`);
}

async function sesChecks(probe: DeploymentProbe, sender: string, approvers: readonly string[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const domain = sender.slice(sender.indexOf('@') + 1);
  const identity = (await probe.emailIdentity(sender)) ?? (await probe.emailIdentity(domain));
  results.push(
    identity?.verifiedForSending
      ? pass('ses:sender', `the sender ${sender} is verified for sending`)
      : fail(
          'ses:sender',
          identity ? `the sender ${sender} is not verified (${identity.verificationStatus ?? 'pending'})` : `SES knows neither ${sender} nor ${domain}`,
          `Verify it: aws sesv2 create-email-identity --email-identity ${sender} (then follow the link SES mails), or verify the domain ${domain}.`,
        ),
  );
  const account = await probe.sesAccount();
  if (account.productionAccessEnabled) {
    results.push(pass('ses:recipients', 'the account is out of the SES sandbox: mail reaches any approver'));
  } else {
    const unverified: string[] = [];
    for (const approver of approvers) if (!(await probe.emailIdentity(approver))?.verifiedForSending) unverified.push(approver);
    results.push(
      unverified.length === 0
        ? pass('ses:recipients', 'the account is in the SES sandbox and every approver is a verified identity')
        : fail(
            'ses:recipients',
            `the account is in the SES sandbox, where mail reaches verified identities only; not verified: ${unverified.join(', ')}`,
            `Verify each (aws sesv2 create-email-identity --email-identity <address>), or request production access: https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html`,
          ),
    );
  }
  if (!account.sendingEnabled) results.push(fail('ses:sending', 'sending is paused for this account', 'Resume it: aws sesv2 put-account-sending-attributes --sending-enabled'));
  return results;
}

async function secretCheck(probe: DeploymentProbe, account: TargetAccount, agent: AgentRef, now: Date): Promise<CheckResult> {
  const id = agentCheckId('secret', agent, account);
  const name = agentSecretName(agent, account.id);
  let value: string | undefined;
  try {
    value = await probe.secretValue(name);
  } catch (error) {
    if (!(error instanceof ProbeAccessDeniedError)) throw error;
    return skip(
      id,
      `${name} may be read only by the agent and the broker (its resource policy denies everyone else, administrators included)`,
      `Check it as the agent: jit${agent.primary ? '' : ` --agent ${agent.id}`} doctor --profile <the agent's profile> (the other checks then skip), or jit${agent.primary ? '' : ` --agent ${agent.id}`} creds --account ${account.name}.`,
    );
  }
  if (value === undefined) return fail(id, `no secret ${name}`, `Deploy the broker: npx cdk deploy ${STACK_NAMES.broker}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (JSON.stringify(parsed) === JSON.stringify(PLACEHOLDER_SECRET)) return pass(id, `${name} holds the placeholder`);
  const state = parseSecretValue(value);
  if (state.status === 'active' && Date.parse(state.value.Expiration) > now.getTime()) {
    return pass(id, `${name} holds the live grant of ${state.value.RequestId ?? 'a request'} until ${state.value.Expiration}`);
  }
  const what = state.status === 'active' ? `credentials of ${state.value.RequestId ?? 'a grant'} that expired at ${state.value.Expiration}` : 'neither the placeholder nor a grant';
  return fail(
    id,
    `${name} holds ${what}: the reset did not run`,
    `Look at the request (jit status <requestId>) and the reset schedules in ${BROKER_NAMES.scheduleGroup}; an approver can put the placeholder back: jit revoke <requestId>.`,
  );
}

/** The context AWS builds for the mint's first-hop AssumeRole: the mint role has no source identity yet. */
function firstHopContext(hubAccount: string, partition: string): Record<string, string> {
  // A trust policy requires a source identity with `sts:SourceIdentity` (the value being set);
  // `aws:SourceIdentity` is in the context only when the calling session already has one.
  // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
  // @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
  // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
  return {
    'aws:PrincipalArn': iamRoleArn(partition, hubAccount, BROKER_NAMES.mintRole),
    'aws:PrincipalAccount': hubAccount,
    'aws:PrincipalType': 'AssumedRole',
    'sts:SourceIdentity': PROBE_SOURCE_IDENTITY,
  };
}

function simulationContext(context: Record<string, string>): SimulationContextEntry[] {
  return Object.entries(context).map(([key, value]) => ({ key, values: [value], type: 'string' }));
}

async function mintCheck(probe: DeploymentProbe, hubAccount: string, account: TargetAccount, role: TargetAccount['roles'][number], partition: string): Promise<CheckResult> {
  const id = `mint:${account.name}/${role.name}`;
  const roleArn = iamRoleArn(partition, account.id, role.iamRoleName);
  const request: SimulationRequest = {
    principalArn: iamRoleArn(partition, hubAccount, BROKER_NAMES.mintRole),
    actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
    resources: [roleArn],
    context: simulationContext({ 'sts:SourceIdentity': PROBE_SOURCE_IDENTITY }),
  };
  const denied = (await probe.simulate(request)).filter((r) => r.decision !== 'allowed');
  if (denied.length === 0) return pass(id, `${BROKER_NAMES.mintRole} may assume ${role.iamRoleName} with a SourceIdentity`);
  return fail(
    id,
    `${BROKER_NAMES.mintRole}'s policies do not allow ${denied.map((d) => `${d.action} (${d.decision})`).join(', ')} on ${roleArn}`,
    `Deploy the broker with this config: npx cdk deploy ${STACK_NAMES.broker}.`,
  );
}

async function trustCheck(probe: DeploymentProbe, hubAccount: string, account: TargetAccount, role: TargetAccount['roles'][number], partition: string): Promise<CheckResult> {
  const id = `trust:${account.name}/${role.name}`;
  const trust = await probe.roleTrustPolicy(role.iamRoleName);
  if (trust === undefined) return fail(id, `no role ${role.iamRoleName}`, `Deploy the account's stack: npx cdk deploy ${targetStackName(account.name)}.`);
  // IAM's simulator cannot evaluate a trust policy for a role caller (SimulatePrincipalPolicy's CallerArn
  // must be an IAM user), so the trust policy is evaluated here, with the request context AWS builds.
  // @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
  const context = firstHopContext(hubAccount, partition);
  const roleArn = iamRoleArn(partition, account.id, role.iamRoleName);
  try {
    const refused = ['sts:AssumeRole', 'sts:SetSourceIdentity'].filter(
      (action) =>
        evaluatePolicies({ identity: [], resourcePolicy: toPolicyDocument(trust) }, { principalArn: context['aws:PrincipalArn'], action, resource: roleArn, context }).decision !== 'Allowed',
    );
    if (refused.length === 0) return pass(id, `${role.iamRoleName} trusts ${BROKER_NAMES.mintRole} with a SourceIdentity (first-hop context: sts:SourceIdentity, no aws:SourceIdentity)`);
    const oldCondition = JSON.stringify(trust).includes('aws:SourceIdentity') ? ' Its trust policy conditions on aws:SourceIdentity, which is absent on the first-hop AssumeRole.' : '';
    return fail(
      id,
      `${role.iamRoleName}'s trust policy refuses ${refused.join(' and ')} from ${BROKER_NAMES.mintRole} with a SourceIdentity.${oldCondition}`,
      `Deploy the account's stack from this version (its trust requires sts:SourceIdentity): npx cdk deploy ${targetStackName(account.name)}.`,
    );
  } catch (error) {
    if (!(error instanceof UnsupportedPolicyError)) throw error;
    return fail(id, `${role.iamRoleName}'s trust policy cannot be evaluated: ${error.message}`, `Redeploy it from this config: npx cdk deploy ${targetStackName(account.name)}.`);
  }
}

async function trailCheck(probe: DeploymentProbe, account: TargetAccount, regions: readonly string[]): Promise<CheckResult> {
  const id = `trail:${account.name}`;
  const trails = (await probe.trails()).filter((t) => t.logging);
  const uncovered = regions.filter((region) => !trails.some((t) => t.multiRegion || t.homeRegion === region));
  if (uncovered.length === 0) {
    return pass(id, `logging trails cover ${regions.join(', ')} (${trails.map((t) => t.name).join(', ')})`);
  }
  return fail(
    id,
    `no logging trail covers ${uncovered.join(', ')}: audit reports read CloudTrail's 90-day event history, and nothing keeps the record longer`,
    `Create a multi-region trail: aws cloudtrail create-trail --name jit-audit-trail --s3-bucket-name <bucket> --is-multi-region-trail && aws cloudtrail start-logging --name jit-audit-trail`,
  );
}

async function objectLockCheck(probe: DeploymentProbe, loaded: LoadedConfig, bucket: string): Promise<CheckResult> {
  const id = 'audit:object-lock';
  const lock = await probe.objectLock(bucket);
  const { objectLock, retentionDays } = loaded.config.audit;
  const deploy = `npx cdk deploy ${STACK_NAMES.broker}`;
  if (!lock) return fail(id, `no audit bucket ${bucket}`, `Deploy the broker: ${deploy}.`);
  if (!lock.enabled) return fail(id, `Object Lock is not enabled on ${bucket}`, 'Object Lock can only be enabled on a new bucket or by AWS Support; redeploy the broker into a fresh bucket name.');
  if (objectLock === 'NONE') return pass(id, `Object Lock is enabled on ${bucket}; the config asks for no default retention`);
  if (lock.mode !== objectLock || lock.days !== retentionDays) {
    return fail(
      id,
      `${bucket}'s default retention is ${lock.mode ?? 'none'} ${lock.days ?? lock.years ?? ''}${lock.days ? ' days' : lock.years ? ' years' : ''}, the config asks for ${objectLock} ${retentionDays} days`,
      `Deploy the broker with this config: ${deploy}.`,
    );
  }
  return pass(id, `${bucket} keeps reports under ${objectLock} retention for ${retentionDays} days`);
}

/** What the agent's standing permissions must allow, and a sample of what they must not. */
function agentExpectations(loaded: LoadedConfig, agent: AgentRef, secretArns: readonly string[], partition: string) {
  const { hub } = loaded.config;
  const bus = `arn:${partition}:events:${hub.region}:${hub.account}:event-bus/${BROKER_NAMES.eventBus}`;
  const queue = `arn:${partition}:sqs:${hub.region}:${hub.account}:${agentQueueName(agent)}`;
  // Another agent's source: an agent may ask only as itself (docs/agent.md#several-agents).
  const otherSource = agentRefsOf(toBrokerSettings(loaded.config)).find((other) => other.id !== agent.id);
  const accounts = toBrokerSettings(loaded.config).accounts;
  const someRole = accounts[0].roles[0];
  const allowed: SimulationRequest[] = [
    { principalArn: '', actions: ['secretsmanager:GetSecretValue'], resources: secretArns, context: [] },
    { principalArn: '', actions: ['cloudtrail:LookupEvents', 'sts:GetCallerIdentity'], resources: ['*'], context: [] },
    { principalArn: '', actions: ['events:PutEvents'], resources: [bus], context: [{ key: 'events:source', values: [agentEventSource(agent)], type: 'stringList' }] },
    { principalArn: '', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], resources: [queue], context: [] },
  ];
  const denied: SimulationRequest[] = [
    { principalArn: '', actions: ['events:PutEvents'], resources: [bus], context: [{ key: 'events:source', values: ['jit.broker'], type: 'stringList' }] },
    ...(otherSource
      ? [{ principalArn: '', actions: ['events:PutEvents'], resources: [bus], context: [{ key: 'events:source', values: [agentEventSource(otherSource)], type: 'stringList' as const }] }]
      : []),
    { principalArn: '', actions: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret'], resources: secretArns, context: [] },
    { principalArn: '', actions: ['secretsmanager:GetSecretValue'], resources: [`arn:${partition}:secretsmanager:${hub.region}:${hub.account}:secret:other-AbCdEf`], context: [] },
    { principalArn: '', actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:StartExecution', 'iam:CreateAccessKey', 'iam:PassRole'], resources: ['*'], context: [] },
    { principalArn: '', actions: ['sts:AssumeRole'], resources: [iamRoleArn(partition, accounts[0].id, someRole.iamRoleName)], context: [] },
    { principalArn: '', actions: ['dynamodb:GetItem', 'dynamodb:Scan'], resources: [`arn:${partition}:dynamodb:${hub.region}:${hub.account}:table/${BROKER_NAMES.requestTable}`], context: [] },
    { principalArn: '', actions: ['s3:GetObject'], resources: [`arn:${partition}:s3:::${auditBucketName(hub.account, hub.region)}/*`], context: [] },
    { principalArn: '', actions: ['lambda:InvokeFunction'], resources: [`arn:${partition}:lambda:${hub.region}:${hub.account}:function:${BROKER_NAMES.revokeFunction}`], context: [] },
  ];
  return { allowed, denied };
}

async function agentCheck(probe: DeploymentProbe, loaded: LoadedConfig, ref: AgentRef, partition: string): Promise<CheckResult> {
  const id = agentCheckId('standing', ref);
  const { hub } = loaded.config;
  const agent = agentsOf(loaded.config).find((a) => a.id === ref.id) ?? loaded.config.agent;
  const principalArn = agentPrincipalArn(agent, partition, hub.account);
  const secretArns: string[] = [];
  for (const account of loaded.config.accounts) {
    const arn = await probe.secretArn(agentSecretName(ref, account.id));
    if (arn) secretArns.push(arn);
  }
  if (secretArns.length === 0) return fail(id, 'the account secrets are missing, so the agent has nothing to read', `Deploy the broker: npx cdk deploy ${STACK_NAMES.broker}.`);
  const { allowed, denied } = agentExpectations(loaded, ref, secretArns, partition);
  const problems: string[] = [];
  for (const request of allowed) {
    for (const r of await probe.simulate({ ...request, principalArn })) if (r.decision !== 'allowed') problems.push(`${r.action} on ${r.resource} is ${r.decision}, should be allowed`);
  }
  for (const request of denied) {
    for (const r of await probe.simulate({ ...request, principalArn })) {
      if (r.decision === 'allowed') problems.push(`${r.action} on ${r.resource}${request.context.length ? ` (${request.context.map((c) => `${c.key}=${c.values.join(',')}`).join(' ')})` : ''} is allowed, should be denied`);
    }
  }
  if (problems.length === 0) return pass(id, `${principalArn} has exactly its standing permissions (the standing set allowed, a sample of others denied)`);
  return fail(
    id,
    `${principalArn}: ${problems.join('; ')}`,
    `Remove the policies or groups that add to the agent's standing policy (aws iam list-attached-${agent.kind}-policies / list-${agent.kind}-policies), then npx cdk deploy ${STACK_NAMES.broker}.`,
  );
}

/**
 * Every check of `jit doctor`, in the account of the caller's credentials: the hub's when they are the
 * hub's, a target account's when they are that account's. Checks of other accounts are skipped with the
 * command that runs them. Read-only: nothing here writes.
 */
export async function runDoctorChecks(input: DoctorInput): Promise<CheckResult[]> {
  const { loaded, probe, now } = input;
  const partition = input.partition ?? PARTITION;
  const { hub } = loaded.config;
  const settings = toBrokerSettings(loaded.config);
  const agents = input.agents ?? agentRefsOf(settings);
  const digest = installationDigest(loaded);
  const caller = await probe.callerAccount();
  const results: CheckResult[] = [];
  const elsewhere = (id: string, account: string) =>
    skip(id, `it lives in account ${account}; your credentials are account ${caller}'s`, `Run jit doctor again with credentials of ${account} (--profile <a profile of ${account}>).`);

  if (caller === hub.account) {
    results.push(...(await guarded(`stack:${STACK_NAMES.broker}`, () => stackCheck(probe, STACK_NAMES.broker, digest))));
    results.push(...(await guarded('ses:sender', () => sesChecks(probe, settings.sender, settings.approvers))));
    for (const agent of agents) {
      for (const account of settings.accounts) results.push(...(await guarded(agentCheckId('secret', agent, account), () => secretCheck(probe, account, agent, now))));
    }
    for (const account of settings.accounts) {
      for (const role of account.roles) results.push(...(await guarded(`mint:${account.name}/${role.name}`, () => mintCheck(probe, hub.account, account, role, partition))));
    }
    results.push(...(await guarded('audit:object-lock', () => objectLockCheck(probe, loaded, auditBucketName(hub.account, hub.region)))));
    for (const agent of agents) results.push(...(await guarded(agentCheckId('standing', agent), () => agentCheck(probe, loaded, agent, partition))));
  } else {
    results.push(elsewhere(`stack:${STACK_NAMES.broker}`, hub.account));
  }

  // Audit regions plus us-east-1, where IAM and global STS events land.
  const auditRegions = [...new Set([...settings.auditRegions, 'us-east-1'])];
  // Tripwires: each target account's forwarder in every other audited region and us-east-1 is a stack of
  // its own there (the target stack holds its own region's).
  const forwarderRegions = loaded.config.tripwires ? separateForwarderRegions(hub.region, settings.auditRegions) : [];
  for (const account of settings.accounts) {
    const stackName = targetStackName(account.name);
    if (account.id !== caller) {
      results.push(elsewhere(`stack:${stackName}`, account.id));
      for (const region of forwarderRegions) results.push(elsewhere(`stack:${tripwireStackName(account.name, region)}`, account.id));
      continue;
    }
    results.push(...(await guarded(`stack:${stackName}`, () => stackCheck(probe, stackName, digest))));
    for (const region of forwarderRegions) {
      const forwarder = tripwireStackName(account.name, region);
      results.push(...(await guarded(`stack:${forwarder}`, () => stackCheck(probe, forwarder, digest, region))));
    }
    for (const role of account.roles) results.push(...(await guarded(`trust:${account.name}/${role.name}`, () => trustCheck(probe, hub.account, account, role, partition))));
    results.push(...(await guarded(`trail:${account.name}`, () => trailCheck(probe, account, auditRegions))));
  }
  return results;
}
