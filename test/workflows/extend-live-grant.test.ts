import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { EXIT } from '../../cli/exit-codes';
import { auditReportSchema } from '../../handlers/core/audit-report';
import type { GrantSummary } from '../../handlers/core/grant';
import { ELEVATION_EXTENSION_REQUESTED } from '../../handlers/core/broker-event';
import { leaseKey } from '../../handlers/core/grant-lease';
import type { LocalExecutionResult } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import { AgentWorld } from '../helpers/agent-world';
import { CTX, PROD, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';
import { extensionEvent } from '../helpers/fixtures';

const LIVE = 'req-extend-live-01';
const sfn = new SFNClient({ region: 'eu-west-1' });
const detail = { requestId: LIVE, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' };
const approval = (minutes: number, role = 'Ops') => JSON.stringify({ role, minutes, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
// The first test synthesizes the broker: a minute on a busy machine.
jest.setTimeout(300_000);

interface Sample {
  readonly at: string;
  readonly code: number;
  readonly accessKeyId?: string;
  readonly expiration?: string;
}

/** A live grant, its execution held at its first PlanNotice (right after NotifyGranted) until `release`. */
async function liveGrant(world: AgentWorld, onState?: (state: string, input: unknown) => Promise<void>, terms: { role: string; minutes: number } = { role: 'Ops', minutes: 15 }) {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached: () => void = () => undefined;
  const atWait = new Promise<void>((resolve) => (reached = resolve));
  let waits = 0;
  const run = runElevation(world.aws, requestEvent({ ...detail, ...terms }), {
    beforeTask: async (state, input) => {
      await onState?.(state, input);
      // Held as soon as the grant is live, before the notice's wait moves the clock.
      if (state !== STATE.planNotice || waits++ > 0) return;
      reached();
      await gate;
    },
  });
  await sfn.send(new SendTaskSuccessCommand({ taskToken: await pendingTaskToken(world.aws, LIVE), output: approval(terms.minutes, terms.role) }));
  await atWait;
  const grant = world.aws.table.items.get(LIVE)?.grant as GrantSummary;
  return { grant, finish: (): Promise<LocalExecutionResult> => (release(), run) };
}

/** The session policy's fence of a minted set: the `aws:CurrentTime` bound of its session policy. */
function fenceOf(policy: unknown): string {
  return String(JSON.stringify(JSON.parse(String(policy))).match(/"aws:CurrentTime":"([^"]+)"/)?.[1]);
}

describe('Workflow: extending a live grant (docs/architecture.md#extending-a-live-grant)', () => {
  let world: AgentWorld;
  let extensionRuns: Promise<LocalExecutionResult>[];
  let extensionHook: (state: string) => Promise<void>;
  beforeEach(async () => {
    world = await new AgentWorld().start();
    extensionRuns = [];
    extensionHook = async () => undefined;
    // The stack's ElevationRequested rule starts the workflow for an extension too.
    world.aws.rules.push((event) => {
      if (event.detailType !== ELEVATION_EXTENSION_REQUESTED) return;
      const envelope = { version: '0', id: event.id, 'detail-type': event.detailType, source: event.source, account: CTX.accountId, time: event.time, region: CTX.region, resources: [], detail: event.detail };
      extensionRuns.push(runElevation(world.aws, envelope, { beforeTask: (state) => extensionHook(state) }));
    });
  });
  afterEach(() => world.stop());

  const sample = async (samples: Sample[]) => {
    const at = world.aws.clock.now().toISOString();
    const run = await world.jit('creds', '--account', 'prod', '--no-cache');
    const out = run.code === EXIT.OK ? (JSON.parse(run.stdout) as { AccessKeyId: string; Expiration: string }) : undefined;
    samples.push({ at, code: run.code, ...(out ? { accessKeyId: out.AccessKeyId, expiration: out.Expiration } : {}) });
  };

  it('extends a live grant with no gap in credential_process: a new set with its own fence, the old one ends at its own, one report with both', async () => {
    // Prepare: a live 15-minute grant; the agent's AWS tool reads it through credential_process.
    const samples: Sample[] = [];
    let resets = 0;
    const { grant, finish } = await liveGrant(world, async (state) => {
      // Sampled again in the live execution at the old expiry: before its reset and while it follows the new set.
      if (state === STATE.followExtension || (state === STATE.reset && resets++ === 0)) await sample(samples);
    });
    await sample(samples);
    world.aws.clock.advanceBy(10 * 60_000);
    await sample(samples);

    // Act: ask for 10 more minutes; sample while the extension is approved and minted.
    extensionHook = async (state) => {
      if (state === STATE.mintExtension || state === STATE.notifyExtended) await sample(samples);
    };
    const asked = await world.jit('--json', 'extend', LIVE, '--minutes', '10', '--reason', 'The deploy is still rolling out');
    expect(asked.stderr).toBe('');
    expect(asked.code).toBe(EXIT.OK);
    const extensionId = String((JSON.parse(asked.stdout) as { extensionId: string }).extensionId);
    const token = await pendingTaskToken(world.aws, extensionId);
    const email = world.aws.emails.at(-1);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval(10) }));
    const extension = await extensionRuns[0];
    await sample(samples);
    const result = await finish();

    // Assess: the extension was approved through the same email, labelled as an extension with the time left.
    expect(email?.subject).toContain(`extends ${LIVE}`);
    expect(email?.text).toMatch(new RegExp(`Extension: Extension of request ${LIVE}: 10 more minutes; [45] minutes remaining \\(until ${grant.expiresAt}\\)`));
    expect(extension).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.extended });
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });

    // No gap: every sample is valid at its moment, and Expiration only moves forward.
    const newExpiry = new Date(Date.parse(grant.expiresAt) + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(samples.map((s) => s.code)).toEqual(Array(7).fill(EXIT.OK));
    for (const s of samples) {
      expect(s.code).toBe(EXIT.OK);
      expect(Date.parse(String(s.expiration))).toBeGreaterThan(Date.parse(s.at));
    }
    const expirations = samples.map((s) => Date.parse(String(s.expiration)));
    expect(expirations).toEqual([...expirations].sort((a, b) => a - b));
    expect(new Set(samples.map((s) => s.expiration))).toEqual(new Set([grant.expiresAt, newExpiry]));
    expect(new Set(samples.map((s) => s.accessKeyId))).toEqual(new Set([world.aws.minted[0].accessKeyId, world.aws.minted[1].accessKeyId]));

    // Two sets, one identity: the same SourceIdentity and session name, each with its own fence. The old set is
    // not revoked (no deny, never reset under the agent): it stops at its own fence.
    expect(world.aws.minted).toHaveLength(2);
    const [first, second] = world.aws.minted;
    expect(second.input).toMatchObject({ SourceIdentity: `jit-${LIVE}`, RoleSessionName: `jit-${LIVE}` });
    // The old fence closes within the handover (60 s) after the old expiry, as for every grant (docs/architecture.md, "Time box").
    const oldFence = Date.parse(fenceOf(first.input.Policy));
    expect(oldFence).toBeGreaterThanOrEqual(Date.parse(grant.expiresAt));
    expect(oldFence).toBeLessThanOrEqual(Date.parse(grant.expiresAt) + 60_000);
    expect(fenceOf(second.input.Policy)).toBe(new Date(Date.parse(newExpiry) + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(world.aws.rolePolicies.size).toBe(0);
    expect(world.aws.schedules.has(`jit-reset-${extensionId}`)).toBe(true);

    // The live execution followed the new set and reset the secret at the new expiry.
    expect(world.aws.secret(PROD)).toEqual({ status: 'inactive' });
    expect(world.aws.table.items.get(LIVE)).toMatchObject({ status: 'AUDITED', grant: { accessKeyId: second.accessKeyId, expiresAt: newExpiry } });
    expect(world.aws.table.items.get(extensionId)).toMatchObject({ status: 'EXTENDED', extension: { requestId: LIVE } });
    // The lease moved with the grant and is free once it ended.
    expect(Date.parse(String(world.aws.table.items.get(leaseKey('default', PROD))?.expiresAt))).toBeLessThanOrEqual(world.aws.clock.now().getTime());
    expect(world.aws.detailTypes()).toEqual([
      'Elevation Pending Approval',
      'Elevation Granted',
      'Elevation Extension Requested',
      'Elevation Pending Approval',
      'Elevation Extended',
      // The notice of the new set; the old set's found the grant extended away (docs/agent.md#before-a-grant-expires).
      'Elevation Expiring',
      'Elevation Ended',
      'Elevation Audited',
    ]);
    expect(world.aws.events.find((e) => e.detailType === 'Elevation Extended')?.detail).toMatchObject({ requestId: extensionId, extensionOf: LIVE, expiresAt: newExpiry, status: 'EXTENDED' });

    // One report covers both sets: both keys, each with its own window, both delivered.
    const audited = world.aws.events.filter((e) => e.detailType === 'Elevation Audited');
    expect(audited).toHaveLength(1);
    const report = auditReportSchema.parse(JSON.parse(world.aws.s3.latest(String(audited[0].detail.reportUri))?.body ?? '{}'));
    expect(report.credentials).toEqual([
      expect.objectContaining({ accessKeyId: first.accessKeyId, expiresAt: fenceOf(first.input.Policy), delivered: true }),
      expect.objectContaining({ accessKeyId: second.accessKeyId, expiresAt: fenceOf(second.input.Policy), delivered: true }),
    ]);
    expect(report.grant).toMatchObject({ extensions: 1, expiresAt: fenceOf(second.input.Policy), grantId: (world.aws.table.items.get(LIVE)?.grant as GrantSummary).grantId });
  });

  it('a denied extension leaves the live grant untouched', async () => {
    // Prepare
    const { grant, finish } = await liveGrant(world);
    const before = world.aws.secret(PROD);
    const asked = await world.jit('--json', 'extend', LIVE, '--minutes', '10', '--reason', 'More time please');
    const extensionId = String((JSON.parse(asked.stdout) as { extensionId: string }).extensionId);

    // Act
    await sfn.send(new SendTaskFailureCommand({ taskToken: await pendingTaskToken(world.aws, extensionId), error: 'ApprovalDeniedError', cause: 'Not now' }));
    const extension = await extensionRuns[0];

    // Assess
    expect(extension).toMatchObject({ status: 'FAILED', finalState: STATE.denied });
    expect(world.aws.secret(PROD)).toEqual(before);
    expect(world.aws.minted).toHaveLength(1);
    expect(world.aws.table.items.get(LIVE)).toMatchObject({ status: 'GRANTED', grant: { grantId: grant.grantId } });
    expect(world.aws.events.find((e) => e.detailType === 'Elevation Denied')?.detail).toMatchObject({ requestId: extensionId, extensionOf: LIVE });
    const result = await finish();
    expect(result.finalState).toBe(STATE.audited);
    expect(world.aws.table.items.get(LIVE)).toMatchObject({ status: 'AUDITED', grant: { grantId: grant.grantId } });
  });

  it('refuses to extend beyond the maximum, at the CLI-visible broker answer and again at mint; the live grant goes on', async () => {
    // Prepare: a live 50-minute Deploy grant (the role allows 60).
    const { grant, finish } = await liveGrant(world, undefined, { role: 'Deploy', minutes: 50 });

    // Act: beyond the role's maximum, and beyond one STS session (50 left + 20 > 60 minutes).
    const overRole = await runElevation(world.aws, extensionEvent({ requestId: 'ext-over-role-01', extends: LIVE, minutes: 61, reason: 'More' }, 'e0000000-0000-4000-8000-000000000001'));
    const overSession = await runElevation(world.aws, extensionEvent({ requestId: 'ext-over-sts-001', extends: LIVE, minutes: 20, reason: 'More' }, 'e0000000-0000-4000-8000-000000000002'));
    // Approved in time, minted too late: the grant's last two minutes have begun by then.
    const late = runElevation(world.aws, extensionEvent({ requestId: 'ext-too-late-01', extends: LIVE, minutes: 5, reason: 'More' }, 'e0000000-0000-4000-8000-000000000003'));
    const token = await pendingTaskToken(world.aws, 'ext-too-late-01');
    world.aws.clock.advanceBy(Date.parse(grant.expiresAt) - world.aws.clock.now().getTime() - 60_000);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval(5, 'Deploy') }));
    const lateResult = await late;

    // Assess
    expect(overRole).toMatchObject({ status: 'FAILED', finalState: STATE.rejected });
    expect(overSession).toMatchObject({ status: 'FAILED', finalState: STATE.rejected });
    const rejected = world.aws.events.filter((e) => e.detailType === 'Elevation Rejected').map((e) => [e.detail.requestId, e.detail.reason]);
    expect(rejected).toEqual([
      ['ext-over-role-01', expect.stringContaining('61 is more than the 60 allowed for role Deploy')],
      ['ext-over-sts-001', expect.stringContaining('more than the 60 of one STS session')],
    ]);
    expect(lateResult).toMatchObject({ status: 'FAILED', finalState: STATE.extensionRefused });
    expect(world.aws.events.find((e) => e.detailType === 'Elevation Refused')?.detail).toMatchObject({ requestId: 'ext-too-late-01', reason: expect.stringContaining('too late to extend') });
    expect(world.aws.minted).toHaveLength(1);
    expect(world.aws.table.items.get(LIVE)).toMatchObject({ status: 'GRANTED', grant: { grantId: grant.grantId } });
    expect((await finish()).finalState).toBe(STATE.audited);
  });

  it('refuses to extend an ended grant, at the CLI and at the broker', async () => {
    // Prepare: the grant runs to its end.
    const { finish } = await liveGrant(world);
    await finish();

    // Act
    const cli = await world.jit('extend', LIVE, '--minutes', '5', '--reason', 'More');
    const broker = await runElevation(world.aws, extensionEvent({ requestId: 'ext-ended-0001', extends: LIVE, minutes: 5, reason: 'More' }));

    // Assess
    expect(cli.code).toBe(EXIT.NOT_ACTIVE);
    expect(cli.stderr).toContain('only a live grant can be extended');
    expect(broker).toMatchObject({ status: 'FAILED', finalState: STATE.rejected });
    expect(world.aws.events.at(-1)?.detail).toMatchObject({ requestId: 'ext-ended-0001', reason: expect.stringContaining(`the grant of ${LIVE} is not live (status AUDITED`) });
    expect(world.aws.minted).toHaveLength(1);
  });
});
