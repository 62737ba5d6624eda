import { join } from 'node:path';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { auditReportSchema } from '../../handlers/core/audit-report';
import type { GrantSummary } from '../../handlers/core/grant';
import { revocationPolicy } from '../../handlers/core/revocation-policy';
import { loadJitConfig } from '../../infra/config/load-config';
import { brokerBusArn } from '../../handlers/core/resource-names';
import { type DefaultBusRule, defaultBusRulesOf, rulesOf } from '../../sandbox/services/eventbridge';
import { cloudTrailApiCallEvent, defaultBusTargets, targetsOf } from '../../sandbox/models/eventbridge';
import { synthesizedStack } from '../helpers/iam-template';
import { synthApp } from '../helpers/synth';
import type { LocalExecutionResult } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import { AgentWorld, REVOKE_FUNCTION_ARN } from '../helpers/agent-world';
import { PROD, pendingTaskToken, requestEvent, runElevation, synthesizedElevation, useHarnessConfig } from '../helpers/elevation-harness';

const config = loadJitConfig(join(__dirname, '..', 'configs', 'tripwires.config.json'));
useHarnessConfig(config);

const REQUEST_ID = 'req-trip-0001';
const sfn = new SFNClient({ region: 'eu-west-1' });
const approval = JSON.stringify({ role: 'Ops', minutes: 15, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });

/** Runs an elevation until its grant is live and holds the workflow before its reset. */
async function liveGrant(world: AgentWorld, plannedActions?: string[]): Promise<{ grant: GrantSummary; finish: () => Promise<LocalExecutionResult> }> {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached: () => void = () => undefined;
  const atReset = new Promise<void>((resolve) => (reached = resolve));
  const detail = { requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker', ...(plannedActions ? { plannedActions } : {}) };
  const run = runElevation(world.aws, requestEvent(detail), {
    beforeTask: async (state) => {
      if (state !== STATE.waitUntilExpiry) return;
      reached();
      await gate;
    },
  });
  await sfn.send(new SendTaskSuccessCommand({ taskToken: await pendingTaskToken(world.aws, REQUEST_ID), output: approval }));
  await atReset;
  return { grant: world.aws.table.items.get(REQUEST_ID)?.grant as GrantSummary, finish: async () => (release(), run) };
}

let n = 0;
/** The grant's session calls `eventSource` `eventName` now (in `region`): its CloudTrail record, as the target account's rule forwards it. */
function callBy(world: AgentWorld, grant: GrantSummary, eventSource: string, eventName: string, errorCode?: string, region = 'eu-west-1') {
  n += 1;
  const at = `${world.aws.clock.now().toISOString().slice(0, 19)}Z`;
  return cloudTrailApiCallEvent({
    eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: at,
    eventSource,
    eventName,
    awsRegion: region,
    recipientAccountId: PROD,
    ...(errorCode ? { errorCode } : {}),
    readOnly: eventName.startsWith('Describe') || eventName.startsWith('List'),
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-${REQUEST_ID}`,
      accessKeyId: grant.accessKeyId,
      sessionContext: { sourceIdentity: grant.sourceIdentity },
    },
  } as Parameters<typeof cloudTrailApiCallEvent>[0]);
}

/** The broker bus's rules, as synthesized, deliver the event; returns the revoke function's answer. */
async function deliver(world: AgentWorld, event: ReturnType<typeof callBy>): Promise<unknown> {
  const targets = targetsOf(rulesOf(synthesizedElevation().stack), { bus: 'jit-broker', event });
  expect(targets).toEqual([REVOKE_FUNCTION_ARN]);
  return world.revokeFunction(event, { invokedFunctionArn: REVOKE_FUNCTION_ARN });
}

let defaultBusRules: DefaultBusRule[] | undefined;
/** The rules on the target accounts' default buses, every region's, as synthesized (target and forwarder stacks). */
function targetDefaultBusRules(): DefaultBusRule[] {
  if (!defaultBusRules) {
    const { stacks } = synthApp(config);
    defaultBusRules = defaultBusRulesOf([...stacks.targets.values(), ...stacks.tripwireForwarders.values()].map(synthesizedStack));
  }
  return defaultBusRules;
}

/**
 * CloudTrail puts the call on the default bus of its own account and region; the forwarder there, if
 * any, sends it to the broker bus, whose rules deliver it. Returns where the default bus sent it and the
 * revoke function's answer, if it got that far.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
async function throughTheDefaultBus(world: AgentWorld, event: ReturnType<typeof callBy>): Promise<{ sentTo: string[]; answer?: unknown }> {
  const sentTo = defaultBusTargets(targetDefaultBusRules(), event);
  if (!sentTo.includes(brokerBusArn('aws', config.config.hub.account, config.config.hub.region))) return { sentTo };
  return { sentTo, answer: await deliver(world, event) };
}

const record = (world: AgentWorld) => world.aws.table.items.get(REQUEST_ID) as Record<string, unknown>;
const denyOf = (world: AgentWorld) => world.aws.rolePolicies.get(`AgentElevated-Ops/jit-revoked-${REQUEST_ID}`);

describe('Tripwires, through the synthesized broker (docs/security-model.md#tripwires)', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await new AgentWorld().start();
  });
  afterEach(() => world.stop());

  it('a deny-listed attempt revokes the grant within a minute, denies every copy, alerts approvers and agent, and the report says why', async () => {
    // Prepare
    const { grant, finish } = await liveGrant(world);
    const attempt = callBy(world, grant, 'ec2.amazonaws.com', 'TerminateInstances', 'Client.UnauthorizedOperation');

    // Act
    const answer = await deliver(world, attempt);

    // Assess: revoked at once, in the broker's name, saying which call and which rule.
    expect(answer).toEqual({ kind: 'tripped' });
    const revokedAt = Date.parse(String(record(world).revokedAt));
    expect(revokedAt - Date.parse(attempt.time)).toBeLessThan(60_000);
    expect(record(world)).toMatchObject({ status: 'REVOKED', revokedBy: 'jit-broker-tripwire' });
    expect(String(record(world).revokeReason)).toContain('Tripwire deny-listed-action');
    // The copied credentials stop working: the secret is reset and the SourceIdentity deny is on the role.
    expect(world.aws.secret(PROD)).toEqual({ status: 'inactive' });
    expect(denyOf(world)).toBe(revocationPolicy(grant.sourceIdentity).document);
    // The agent's queue gets Elevation Tripped; the approvers an email.
    const tripped = world.aws.events.find((e) => e.detailType === 'Elevation Tripped');
    expect(tripped?.detail).toMatchObject({ requestId: REQUEST_ID, rule: 'deny-listed-action', endedBy: 'tripwire', call: { iamAction: 'ec2:TerminateInstances', eventId: attempt.detail.eventID } });
    expect(world.aws.emails.filter((m) => m.subject.startsWith('Tripwire:'))).toHaveLength(1);

    // A second matching event revokes nothing more.
    expect(await deliver(world, callBy(world, grant, 'rds.amazonaws.com', 'DeleteDBInstance'))).toEqual({ kind: 'already-ended' });
    expect(world.aws.events.filter((e) => e.detailType === 'Elevation Tripped')).toHaveLength(1);

    // The workflow goes on to audit; the report names the tripwire.
    const result = await finish();
    expect(result.finalState).toBe(STATE.audited);
    const audited = world.aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail;
    const report = auditReportSchema.parse(JSON.parse(world.aws.s3.latest(String(audited?.reportUri))?.body ?? '{}'));
    expect(report.outcome).toBe('revoked');
    expect(report.revocation).toMatchObject({ revokedBy: 'jit-broker-tripwire' });
    expect(report.revocation?.reason).toContain('ec2:TerminateInstances');
  });

  it('N AccessDenied in M seconds trips; fewer do not', async () => {
    const { grant, finish } = await liveGrant(world);

    const first = await deliver(world, callBy(world, grant, 's3.amazonaws.com', 'ListBuckets', 'AccessDenied'));
    world.aws.clock.advanceBy(10_000);
    const second = await deliver(world, callBy(world, grant, 'iam.amazonaws.com', 'ListRoles', 'AccessDenied'));
    world.aws.clock.advanceBy(10_000);
    const third = await deliver(world, callBy(world, grant, 'ssm.amazonaws.com', 'DescribeParameters', 'AccessDeniedException'));

    expect([first, second, third]).toEqual([{ kind: 'watched' }, { kind: 'watched' }, { kind: 'tripped' }]);
    expect(String(record(world).revokeReason)).toContain('Tripwire access-denied-burst');
    await finish();
  });

  it('a call outside the plan trips; a planned call does not', async () => {
    // A plan within Ops (it has ecs:DescribeServices, not all of ecs:Describe*: Register would refuse that).
    const { grant, finish } = await liveGrant(world, ['ecs:UpdateService', 'ecs:DescribeServices']);

    const planned = await deliver(world, callBy(world, grant, 'ecs.amazonaws.com', 'UpdateService'));
    expect(planned).toEqual({ kind: 'watched' });
    expect(record(world).status).toBe('GRANTED');

    const unplanned = await deliver(world, callBy(world, grant, 'lambda.amazonaws.com', 'ListFunctions20150331'));
    expect(unplanned).toEqual({ kind: 'tripped' });
    expect(String(record(world).revokeReason)).toContain('lambda:ListFunctions');
    await finish();
  });

  it('a normal call changes nothing', async () => {
    const { grant, finish } = await liveGrant(world);

    const answer = await deliver(world, callBy(world, grant, 'ecs.amazonaws.com', 'UpdateService'));

    expect(answer).toEqual({ kind: 'watched' });
    expect(record(world).status).toBe('GRANTED');
    expect(denyOf(world)).toBeUndefined();
    expect(world.aws.events.some((e) => e.detailType === 'Elevation Tripped')).toBe(false);
    await finish();
  });

  describe('from every audited region and us-east-1 (docs/security-model.md#tripwires)', () => {
    const bus = brokerBusArn('aws', config.config.hub.account, config.config.hub.region);

    it('a deny-listed call in the second audited region reaches the broker through that region\'s forwarder and revokes the grant', async () => {
      // Prepare
      const { grant, finish } = await liveGrant(world);
      const attempt = callBy(world, grant, 'rds.amazonaws.com', 'DeleteDBInstance', 'AccessDenied', 'eu-central-1');

      // Act
      const { sentTo, answer } = await throughTheDefaultBus(world, attempt);

      // Assess
      expect(sentTo).toEqual([bus]);
      expect(answer).toEqual({ kind: 'tripped' });
      expect(record(world)).toMatchObject({ status: 'REVOKED', revokedBy: 'jit-broker-tripwire' });
      expect(String(record(world).revokeReason)).toContain('rds:DeleteDBInstance');
      expect(String(record(world).revokeReason)).toContain('eu-central-1');
      expect(denyOf(world)).toBe(revocationPolicy(grant.sourceIdentity).document);
      await finish();
    });

    it('an IAM call, recorded in us-east-1, reaches the broker through the us-east-1 forwarder and trips', async () => {
      // Prepare: a plan within Ops and without IAM, so any IAM call is outside it.
      const { grant, finish } = await liveGrant(world, ['ecs:UpdateService', 'ecs:DescribeServices']);
      const iamCall = callBy(world, grant, 'iam.amazonaws.com', 'CreateAccessKey', undefined, 'us-east-1');

      // Act
      const { sentTo, answer } = await throughTheDefaultBus(world, iamCall);

      // Assess
      expect(sentTo).toEqual([bus]);
      expect(answer).toEqual({ kind: 'tripped' });
      expect(String(record(world).revokeReason)).toContain('Tripwire unplanned-call');
      expect(String(record(world).revokeReason)).toContain('iam:CreateAccessKey');
      await finish();
    });

    it('a call in a region no forwarder covers goes nowhere, as in AWS, and the grant lives on', async () => {
      // Prepare
      const { grant, finish } = await liveGrant(world);
      const elsewhere = callBy(world, grant, 'ec2.amazonaws.com', 'TerminateInstances', 'Client.UnauthorizedOperation', 'ap-southeast-2');

      // Act
      const { sentTo } = await throughTheDefaultBus(world, elsewhere);

      // Assess: refused by the region fence, never seen by the broker.
      expect(sentTo).toEqual([]);
      expect(record(world).status).toBe('GRANTED');
      await finish();
    });

    it("another account's forwarder never carries this account's calls", () => {
      const call = cloudTrailApiCallEvent({ eventID: 'x', eventTime: '2026-03-01T10:00:00Z', eventSource: 'ec2.amazonaws.com', awsRegion: 'eu-central-1', recipientAccountId: '444444444444', userIdentity: { sessionContext: { sourceIdentity: 'jit-req-1' } } } as Parameters<typeof cloudTrailApiCallEvent>[0]);
      expect(defaultBusTargets(targetDefaultBusRules(), call)).toEqual([]);
    });
  });
});
