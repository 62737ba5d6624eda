import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { signIdentityProof } from '../../cli/agent/identity-proof-signer';
import { EXIT } from '../../cli/exit-codes';
import { auditReportSchema } from '../../handlers/core/audit-report';
import type { GrantSummary } from '../../handlers/core/grant';
import { revocationPolicy } from '../../handlers/core/revocation-policy';
import { BROKER_NAMES, roleArn } from '../../handlers/core/resource-names';
import type { LocalExecutionResult } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import { APPROVER, AGENT, AgentWorld, REVOKE_FUNCTION_ARN } from '../helpers/agent-world';
import { CTX, PROD, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';
import { assumedRoleSessionArn } from '../../handlers/core/resource-names';

const REQUEST_ID = 'req-revoke-0001';
const sfn = new SFNClient({ region: 'eu-west-1' });
const detail = { requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' };
const approval = JSON.stringify({ role: 'Ops', minutes: 15, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });

/** Runs an elevation to the point where the grant is live, and holds the workflow before its reset. */
async function liveGrant(world: AgentWorld): Promise<{ grant: GrantSummary; finish: () => Promise<LocalExecutionResult> }> {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached: () => void = () => undefined;
  const atReset = new Promise<void>((resolve) => (reached = resolve));
  const run = runElevation(world.aws, requestEvent(detail), {
    beforeTask: async (state) => {
      // Held as soon as the grant is live, before the notice's wait moves the clock.
      if (state !== STATE.planNotice) return;
      reached();
      await gate;
    },
  });
  const token = await pendingTaskToken(world.aws, REQUEST_ID);
  await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval }));
  await atReset;
  world.registerMintedSessions();
  const grant = world.aws.table.items.get(REQUEST_ID)?.grant as GrantSummary;
  return {
    grant,
    finish: async () => {
      release();
      return run;
    },
  };
}

const record = (world: AgentWorld) => world.aws.table.items.get(REQUEST_ID) as Record<string, unknown>;
const denyOf = (world: AgentWorld) => world.aws.rolePolicies.get(`AgentElevated-Ops/jit-revoked-${REQUEST_ID}`);

describe('Early revoke, end to end (invariant 8, docs/security-invariants.md), through the synthesized workflow', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await new AgentWorld().start();
  });
  afterEach(() => world.stop());

  it('jit revoke resets the secret, denies the session on the role, schedules the lift, records and publishes; the workflow then only audits', async () => {
    // Prepare: a live grant the agent can use.
    const { grant, finish } = await liveGrant(world);
    expect((await world.jit('creds', '--account', 'prod', '--no-cache')).code).toBe(EXIT.OK);

    // Act
    const revoke = await world.jit('--json', 'revoke', REQUEST_ID, '--reason', 'Work finished early');

    // Assess: the answer names the approver STS authenticated.
    expect(revoke.stderr).toBe('');
    expect(revoke.code).toBe(EXIT.OK);
    expect(JSON.parse(revoke.stdout)).toMatchObject({ outcome: 'revoked', requestId: REQUEST_ID, revokedBy: APPROVER.arn, revokeReason: 'Work finished early', accountName: 'prod' });

    // The agent can no longer get the credentials.
    const creds = await world.jit('creds', '--account', 'prod');
    expect(creds.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(world.aws.secret(PROD)).toEqual({ status: 'inactive' });

    // Copies are denied: the SourceIdentity deny is on the elevated role in the target account.
    expect(denyOf(world)).toBe(revocationPolicy(grant.sourceIdentity).document);
    // The deny is lifted by a one-time, self-deleting schedule after the STS expiry.
    const lift = world.aws.schedules.get(`jit-lift-${REQUEST_ID}`) as { ScheduleExpression: string; ActionAfterCompletion: string; Target: { Arn: string; Input: string; RoleArn: string } };
    const liftAt = new Date(Date.parse(grant.stsExpiresAt) + 5 * 60_000).toISOString().slice(0, 19);
    expect(lift).toMatchObject({ ScheduleExpression: `at(${liftAt})`, ActionAfterCompletion: 'DELETE', Target: { Arn: REVOKE_FUNCTION_ARN } });
    // The role the stack names for it, as deployed: the one resolver gives every reference the real ARN.
    expect(lift.Target.RoleArn).toBe(roleArn('aws', CTX.accountId, BROKER_NAMES.liftSchedulerRole));
    expect(JSON.parse(lift.Target.Input)).toEqual({ source: 'jit.lift-schedule', requestId: REQUEST_ID });
    // Recorded for the audit, and published.
    expect(record(world)).toMatchObject({ status: 'REVOKED', revokedBy: APPROVER.arn, revokeReason: 'Work finished early' });
    const revoked = world.aws.events.find((e) => e.detailType === 'Elevation Revoked');
    expect(revoked?.detail).toMatchObject({ requestId: REQUEST_ID, account: PROD, role: 'Ops', revokedBy: APPROVER.arn, endedBy: 'approver' });

    // Act: the workflow reaches its reset.
    const result = await finish();

    // Assess: its reset found the grant already reset and changed nothing; the audit still ran.
    expect(result.status).toBe('SUCCEEDED');
    expect(result.finalState).toBe(STATE.audited);
    expect((result.output as { reset?: { outcome?: string } }).reset?.outcome).toBe('already-reset');
    expect(record(world)).toMatchObject({ status: 'AUDITED', revokedAt: expect.any(String), revokedBy: APPROVER.arn });
    expect(world.aws.secret(PROD)).toEqual({ status: 'inactive' });
    // One event per transition: the revocation ended the grant, so the expiry publishes no second end.
    expect(world.aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Granted', 'Elevation Revoked', 'Elevation Audited']);
    // The audit report records the revocation, by the approver STS authenticated.
    const audited = world.aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail;
    const report = auditReportSchema.parse(JSON.parse(world.aws.s3.latest(String(audited?.reportUri))?.body ?? '{}'));
    expect(report).toMatchObject({ outcome: 'revoked', revocation: { revokedBy: APPROVER.arn, reason: 'Work finished early' } });
  });

  it('revoking twice changes nothing the second time', async () => {
    const { finish } = await liveGrant(world);
    expect((await world.jit('revoke', REQUEST_ID)).code).toBe(EXIT.OK);
    const before = structuredClone(record(world));

    const again = await world.jit('revoke', REQUEST_ID);

    expect(again.code).toBe(EXIT.OK);
    expect(again.stdout).toContain(`Already revoked ${REQUEST_ID}`);
    expect(record(world)).toEqual(before);
    await finish();
  });

  it('refuses to revoke what is not active, with its own exit codes, and changes nothing', async () => {
    const unknown = await world.jit('revoke', 'req-never-0000');
    expect(unknown.code).toBe(EXIT.NOT_FOUND);

    const { finish } = await liveGrant(world);
    await finish();
    const over = await world.jit('revoke', REQUEST_ID);
    expect(over.code).toBe(EXIT.NOT_ACTIVE);
    expect(over.stderr).toContain('is over (status AUDITED)');
    expect(denyOf(world)).toBeUndefined();
  });

  it('jit end lets the agent give back its own grant: ended, the deny present, creds failing', async () => {
    // Prepare
    const { grant, finish } = await liveGrant(world);

    // Act
    const end = await world.jit('--json', 'end', REQUEST_ID, '--timeout', '10');

    // Assess
    expect(end.stderr).toBe('');
    expect(end.code).toBe(EXIT.OK);
    expect(JSON.parse(end.stdout)).toMatchObject({ requestId: REQUEST_ID, outcome: 'ended', account: 'prod', alreadyEnded: false });
    const session = assumedRoleSessionArn('aws', PROD, 'AgentElevated-Ops', `jit-${REQUEST_ID}`);
    expect(record(world)).toMatchObject({ status: 'ENDED', revokedBy: session, revokeReason: 'given back by the agent (jit end)' });
    expect(denyOf(world)).toBe(revocationPolicy(grant.sourceIdentity).document);
    expect((await world.jit('creds', '--account', 'prod')).code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(world.aws.events.find((e) => e.detailType === 'Elevation Ended')?.detail).toMatchObject({ endedBy: 'agent', revokedBy: session });

    const result = await finish();
    expect(result.finalState).toBe(STATE.audited);
    expect(record(world)).toMatchObject({ status: 'AUDITED', revokedBy: session });
    expect(world.aws.detailTypes().filter((t) => t === 'Elevation Ended')).toHaveLength(1);
  });

  it.each([
    ["another grant's session", 'ASIAOTHERGRANT000001', `arn:aws:sts::333333333333:assumed-role/AgentElevated-Ops/jit-req-other-0001`],
    ["the agent's own standing identity", AGENT.accessKeyId, AGENT.arn],
    ['an approver', APPROVER.accessKeyId, APPROVER.arn],
  ])("refuses an end request signed by %s, and changes nothing", async (_who, accessKeyId, arn) => {
    // Prepare: a live grant, and someone else's credentials, known to STS.
    const { finish } = await liveGrant(world);
    const secretAccessKey = accessKeyId === AGENT.accessKeyId ? AGENT.secretAccessKey : accessKeyId === APPROVER.accessKeyId ? APPROVER.secretAccessKey : 'other-secret';
    if (!world.sts.keys.has(accessKeyId)) world.sts.keys.set(accessKeyId, { secretAccessKey, arn });
    const before = structuredClone(record(world));
    const secretBefore = world.aws.secret(PROD);
    const proof = await signIdentityProof({ credentials: { accessKeyId, secretAccessKey }, endpoint: world.sts.url, region: 'eu-west-1', purpose: 'end', requestId: REQUEST_ID });

    // Act: the end request, as it would arrive on the bus.
    world.aws.rules.forEach((rule) => rule({ source: 'jit.agent', detailType: 'Elevation End Requested', detail: { requestId: REQUEST_ID, proof }, bus: 'jit-broker', id: 'evt-end', time: new Date().toISOString() }));
    await world.settle();

    // Assess
    expect(record(world)).toEqual(before);
    expect(world.aws.secret(PROD)).toEqual(secretBefore);
    expect(denyOf(world)).toBeUndefined();
    const refused = world.aws.events.find((e) => e.detailType === 'Elevation End Refused');
    expect(refused?.detail).toMatchObject({ requestId: REQUEST_ID, code: 'refused', reason: expect.stringContaining(`${arn} is not the session of the grant`) });
    await finish();
  });

  it("refuses a proof made for another request, even with the grant's own credentials", async () => {
    const { finish } = await liveGrant(world);
    const minted = world.aws.minted[0];
    const proof = await signIdentityProof({
      credentials: { accessKeyId: minted.accessKeyId, secretAccessKey: minted.secretAccessKey, sessionToken: minted.sessionToken },
      endpoint: world.sts.url,
      region: 'eu-west-1',
      purpose: 'end',
      requestId: 'req-other-0001',
    });
    world.aws.rules.forEach((rule) => rule({ source: 'jit.agent', detailType: 'Elevation End Requested', detail: { requestId: REQUEST_ID, proof }, bus: 'jit-broker', id: 'evt-end', time: new Date().toISOString() }));
    await world.settle();

    expect(record(world).status).toBe('GRANTED');
    expect(world.aws.events.find((e) => e.detailType === 'Elevation End Refused')?.detail).toMatchObject({ code: 'refused', reason: expect.stringContaining('SignatureDoesNotMatch') });
    await finish();
  });

  it('answers a malformed end request on the bus instead of dropping it', async () => {
    await world.revokeFunction({ source: 'jit.agent', 'detail-type': 'Elevation End Requested', detail: { requestId: REQUEST_ID, proof: 42 } }, { invokedFunctionArn: REVOKE_FUNCTION_ARN });
    expect(world.aws.events.find((e) => e.detailType === 'Elevation End Refused')?.detail).toEqual({ requestId: REQUEST_ID, code: 'malformed', reason: 'the end request was malformed' });
  });

  it('keeps the deny until the STS credentials have expired: an early lift is refused', async () => {
    const { finish } = await liveGrant(world);
    await world.jit('revoke', REQUEST_ID);
    await expect(world.revokeFunction({ source: 'jit.lift-schedule', requestId: REQUEST_ID }, { invokedFunctionArn: REVOKE_FUNCTION_ARN })).rejects.toMatchObject({ name: 'RevocationLiftTooEarlyError' });
    expect(denyOf(world)).toBeDefined();
    await finish();
  });
});
