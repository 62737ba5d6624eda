import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { EXIT } from '../../cli/exit-codes';
import { ELEVATION_EXTENSION_REQUESTED } from '../../handlers/core/broker-event';
import { parseBrokerNotification } from '../../handlers/core/broker-notification';
import type { GrantSummary } from '../../handlers/core/grant';
import type { LocalExecutionResult } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import { AgentWorld } from '../helpers/agent-world';
import { CTX, PROD, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';

/**
 * The notice before a grant expires (config `notifications.beforeExpiryMinutes`, 5 by default in the
 * example config), through the synthesized state machine with the real handlers, on the virtual clock.
 */
const LIVE = 'req-notice-live-01';
const APPROVER_ADDRESS = 'security-lead@example.com';
const sfn = new SFNClient({ region: CTX.region });
const detail = { requestId: LIVE, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' };
const approval = (minutes: number) => JSON.stringify({ role: 'Ops', minutes, approver: APPROVER_ADDRESS, decidedAt: new Date().toISOString() });
// The first test synthesizes the broker: a minute on a busy machine.
jest.setTimeout(300_000);

/** The virtual clock runs on real time between its jumps: a moment is hit when it is reached within a few real seconds. */
function expectAtMoment(at: number, moment: number): void {
  expect(at).toBeGreaterThanOrEqual(moment);
  expect(at).toBeLessThan(moment + 5_000);
}

interface Seen {
  readonly at: number;
  readonly detail: Record<string, unknown>;
}

describe('Workflow: the notice before a grant expires', () => {
  let world: AgentWorld;
  let expiring: Seen[];
  let extensionRuns: Promise<LocalExecutionResult>[];
  beforeEach(async () => {
    world = await new AgentWorld().start();
    expiring = [];
    extensionRuns = [];
    world.aws.rules.push((event) => {
      if (event.detailType === 'Elevation Expiring') expiring.push({ at: world.aws.clock.now().getTime(), detail: event.detail });
      // The stack's ElevationRequested rule starts the workflow for an extension too.
      if (event.detailType === ELEVATION_EXTENSION_REQUESTED) {
        const envelope = { version: '0', id: event.id, 'detail-type': event.detailType, source: event.source, account: CTX.accountId, time: event.time, region: CTX.region, resources: [], detail: event.detail };
        extensionRuns.push(runElevation(world.aws, envelope));
      }
    });
  });
  afterEach(() => world.stop());

  const noticeEmails = () => world.aws.emails.filter((e) => e.subject.startsWith('Expiring in'));

  /** A 15-minute grant approved by one approver, run to its end; `onState` runs before each task and wait. */
  async function elevation(onState?: (state: string, input: unknown) => Promise<void>): Promise<{ result: LocalExecutionResult; grantedAt: number }> {
    let grantedAt = 0;
    const run = runElevation(world.aws, requestEvent(detail), {
      beforeTask: async (state, input) => {
        if (state === STATE.planNotice && grantedAt === 0) grantedAt = Date.parse((input as { grant: GrantSummary }).grant.grantedAt);
        await onState?.(state, input);
      },
    });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await pendingTaskToken(world.aws, LIVE), output: approval(15) }));
    return { result: await run, grantedAt };
  }

  it('tells the agent (its queue) and the approver who approved 5 minutes before the expiry; the reset still comes at the expiry', async () => {
    // Prepare
    let resetAt = 0;

    // Act
    const { result } = await elevation(async (state) => {
      if (state === STATE.reset && resetAt === 0) resetAt = world.aws.clock.now().getTime();
    });

    // Assess: one notice, exactly five minutes before the approved expiry.
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    const grant = world.aws.table.items.get(LIVE)?.grant as GrantSummary;
    expect(expiring).toHaveLength(1);
    expectAtMoment(expiring[0].at, Date.parse(grant.expiresAt) - 5 * 60_000);
    expect(expiring[0].detail).toMatchObject({ requestId: LIVE, account: PROD, accountName: 'prod', role: 'Ops', expiresAt: grant.expiresAt, grantId: grant.grantId, minutesLeft: 5, notified: 1 });
    expect(world.aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Granted', 'Elevation Expiring', 'Elevation Ended', 'Elevation Audited']);
    expect(resetAt).toBeGreaterThanOrEqual(Date.parse(grant.expiresAt));

    // The approver who approved it got the email, with what it is about.
    expect(noticeEmails()).toEqual([
      expect.objectContaining({ to: [APPROVER_ADDRESS], subject: `Expiring in 5 min: Ops in prod (request ${LIVE})`, text: expect.stringContaining(`jit revoke ${LIVE}`) }),
    ]);
    expect(noticeEmails()[0].text).toContain('Requested reason: Restart the stuck payment worker');

    // The agent's notification queue carried it, as the CLI parses it.
    const received = await new SQSClient({ region: CTX.region }).send(new ReceiveMessageCommand({ QueueUrl: world.sqs.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const outcomes = (received.Messages ?? []).map((m) => parseBrokerNotification(String(m.Body))?.outcome);
    expect(outcomes).toContain('Expiring');
  });

  it('sends no notice for a grant revoked before it', async () => {
    // Act: an approver revokes the grant while the execution waits for the notice.
    let revoked = false;
    const { result } = await elevation(async (state) => {
      if (state !== STATE.waitUntilNotice || revoked) return;
      revoked = true;
      const revoke = await world.jit('--json', 'revoke', LIVE, '--reason', 'Work finished early');
      expect(revoke.code).toBe(EXIT.OK);
    });

    // Assess: the notice was due, found the grant revoked and said nothing; the execution went on to the audit.
    expect(revoked).toBe(true);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(expiring).toEqual([]);
    expect(noticeEmails()).toEqual([]);
    expect(world.aws.detailTypes()).not.toContain('Elevation Expiring');
    expect(world.aws.table.items.get(LIVE)).toMatchObject({ status: 'AUDITED', revokedBy: expect.any(String) });
  });

  it('after an extension, gives the notice of the extended expiry and not the old one', async () => {
    // Act: 5 minutes into the grant (before its notice at 10), the agent asks for 10 more minutes, approved.
    let asked = false;
    let extensionId = '';
    const { result } = await elevation(async (state) => {
      if (state !== STATE.waitUntilNotice || asked) return;
      asked = true;
      world.aws.clock.advanceBy(5 * 60_000);
      const ask = await world.jit('--json', 'extend', LIVE, '--minutes', '10', '--reason', 'The deploy is still rolling out');
      expect(ask.code).toBe(EXIT.OK);
      extensionId = String((JSON.parse(ask.stdout) as { extensionId: string }).extensionId);
      await sfn.send(new SendTaskSuccessCommand({ taskToken: await pendingTaskToken(world.aws, extensionId), output: approval(10) }));
      expect(await extensionRuns[0]).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.extended });
    });

    // Assess: one notice, about the new set, 5 minutes before its expiry (the old expiry plus 10 minutes).
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    const [first, second] = world.aws.minted;
    const grant = world.aws.table.items.get(LIVE)?.grant as GrantSummary;
    expect(grant.accessKeyId).toBe(second.accessKeyId);
    expect(first.accessKeyId).not.toBe(second.accessKeyId);
    expect(expiring).toHaveLength(1);
    expect(expiring[0].detail).toMatchObject({ requestId: LIVE, grantId: grant.grantId, expiresAt: grant.expiresAt, minutesLeft: 5 });
    expectAtMoment(expiring[0].at, Date.parse(grant.expiresAt) - 5 * 60_000);
    expect(noticeEmails()).toHaveLength(1);
    expect(world.aws.detailTypes().filter((t) => t !== 'Elevation Pending Approval' && t !== 'Elevation Extension Requested')).toEqual([
      'Elevation Granted',
      'Elevation Extended',
      'Elevation Expiring',
      'Elevation Ended',
      'Elevation Audited',
    ]);
    expect(world.aws.secret(PROD)).toEqual({ status: 'inactive' });
  });

  it('a notice that fails changes nothing about the grant: it is reset at its expiry and audited', async () => {
    // Prepare: SES refuses the notice's email (not a fault worth retrying).
    let resetAt = 0;

    // Act
    const { result } = await elevation(async (state) => {
      if (state === STATE.notifyExpiring) world.aws.ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));
      if (state === STATE.reset && resetAt === 0) resetAt = world.aws.clock.now().getTime();
    });

    // Assess
    const grant = world.aws.table.items.get(LIVE)?.grant as GrantSummary;
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(noticeEmails()).toEqual([]);
    expect(resetAt).toBeGreaterThanOrEqual(Date.parse(grant.expiresAt));
    expect(world.aws.secret(PROD)).toEqual({ status: 'inactive' });
    expect(world.aws.events.find((e) => e.detailType === 'Elevation Ended')?.detail).toMatchObject({ requestId: LIVE, resetOutcome: 'reset' });
    expect(world.aws.table.items.get(LIVE)).toMatchObject({ status: 'AUDITED' });
  });
});
