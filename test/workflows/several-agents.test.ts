import { join } from 'node:path';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadJitConfig } from '../../infra/config/load-config';
import { type EventPattern, matchesPattern } from '../../sandbox/models/event-pattern';
import { prop, resourcesOfType } from '../../sandbox/template/deployed-template';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { extensionEvent } from '../helpers/fixtures';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation, synthesizedElevation, useHarnessConfig } from '../helpers/elevation-harness';

/**
 * Two agents on one account (test/configs/two-agents.config.json): `default` keeps the seed's names,
 * `ops-bot` has its own secret `agent/ops-bot/elevated/<account>` and sends with source `jit.agent.ops-bot`.
 */
useHarnessConfig(loadJitConfig(join(__dirname, '..', 'configs', 'two-agents.config.json')));

// The first test synthesizes the broker: a minute on a busy machine.
jest.setTimeout(300_000);

const sfn = new SFNClient({ region: 'eu-west-1' });

interface Asker {
  readonly agent: 'default' | 'ops-bot';
  readonly source: string;
  readonly secret: string;
  readonly role: 'Ops' | 'Deploy';
  readonly iamRole: string;
}
const DEFAULT: Asker = { agent: 'default', source: 'jit.agent', secret: `agent/elevated/${PROD}`, role: 'Ops', iamRole: 'AgentElevated-Ops' };
const OPS_BOT: Asker = { agent: 'ops-bot', source: 'jit.agent.ops-bot', secret: `agent/ops-bot/elevated/${PROD}`, role: 'Deploy', iamRole: 'AgentElevated-Deploy' };

let eventCounter = 0;
function askFor(asker: Asker, requestId: string, minutes: number) {
  eventCounter += 1;
  const id = `b0000000-0000-4000-8000-${String(eventCounter).padStart(12, '0')}`;
  return { ...requestEvent({ requestId, account: 'prod', role: asker.role, minutes, reason: `Work of ${asker.agent}` }, id), source: asker.source };
}

async function approve(aws: FakeAws, requestId: string, asker: Asker, minutes: number): Promise<void> {
  const token = await pendingTaskToken(aws, requestId);
  const output = JSON.stringify({ role: asker.role, minutes, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
  await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
}

/** A promise and its resolver, to hold a run at a state until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

type Held = Record<string, unknown>;

/** The queues each broker event reaches: the synthesized agent-notification rules, matched as EventBridge does. */
function queuesReached(event: { source: string; detailType: string; detail: Record<string, unknown> }): string[] {
  const { stack } = synthesizedElevation();
  return resourcesOfType(stack, 'AWS::Events::Rule')
    .filter(([id]) => id.startsWith('AgentNotifications'))
    .filter(([, rule]) => matchesPattern(prop(rule, 'EventPattern') as EventPattern, { source: event.source, 'detail-type': event.detailType, detail: event.detail }))
    .map(([id]) => id.replace(/Outcomes.*$/, ''));
}

describe('Workflow: several agents on one account', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  const secretOf = (asker: Asker) => aws.secrets.read(asker.secret) as Held;
  const mintedFor = (accessKeyId: unknown) => aws.minted.find((m) => m.accessKeyId === accessKeyId);

  /** Asserts the agent's secret holds its own request's credentials, minted for its own role. */
  function holdsOwnGrant(asker: Asker, requestId: string): void {
    const secret = secretOf(asker);
    expect(secret).toMatchObject({ RequestId: requestId, RoleName: asker.iamRole });
    expect(mintedFor(secret.AccessKeyId)?.roleArn).toBe(`arn:aws:iam::${PROD}:role/${asker.iamRole}`);
    expect(mintedFor(secret.AccessKeyId)?.input.RoleSessionName).toBe(`jit-${requestId}`);
  }

  it.each([
    { order: 'the default agent’s shorter grant ends first', shorter: DEFAULT, longer: OPS_BOT },
    { order: 'ops-bot’s shorter grant ends first', shorter: OPS_BOT, longer: DEFAULT },
  ])('gives each agent only its own credentials for its own role when grants overlap: $order', async ({ shorter, longer }) => {
    // Prepare: both runs are held at WaitUntilExpiry until both are granted, so the grants overlap.
    const ids = { [shorter.agent]: `req-short-${shorter.agent}`, [longer.agent]: `req-long-${longer.agent}` };
    const minutes = { [shorter.agent]: 5, [longer.agent]: 15 };
    const bothGranted = gate();
    const longerMayExpire = gate();
    let granted = 0;
    const checks: string[] = [];
    const hooks = (asker: Asker) => async (state: string) => {
      const requestId = ids[asker.agent];
      if (state === STATE.notifyGranted) {
        // Nobody is told Granted while their secret is the placeholder.
        holdsOwnGrant(asker, requestId);
        checks.push(`granted ${asker.agent}`);
      }
      if (state === STATE.waitUntilExpiry) {
        granted += 1;
        if (granted === 2) bothGranted.open();
        await bothGranted.opened;
        if (asker === longer) await longerMayExpire.opened;
      }
      if (state === STATE.notifyEnded && asker === shorter) {
        // The shorter grant's reset left the other agent's live grant alone.
        expect(secretOf(shorter)).toEqual({ status: 'inactive' });
        holdsOwnGrant(longer, ids[longer.agent]);
        checks.push(`ended ${shorter.agent}, ${longer.agent} still live`);
        longerMayExpire.open();
      }
    };
    const runs = [shorter, longer].map((asker) => runElevation(aws, askFor(asker, ids[asker.agent], minutes[asker.agent]), { beforeTask: hooks(asker) }));

    // Act
    for (const asker of [shorter, longer]) await approve(aws, ids[asker.agent], asker, minutes[asker.agent]);
    await bothGranted.opened;
    const atOverlap = { shorter: secretOf(shorter), longer: secretOf(longer) };
    const results = await Promise.all(runs);

    // Assess
    expect(results.map((r) => r.finalState)).toEqual([STATE.audited, STATE.audited]);
    expect(atOverlap.shorter).toMatchObject({ RequestId: ids[shorter.agent], RoleName: shorter.iamRole });
    expect(atOverlap.longer).toMatchObject({ RequestId: ids[longer.agent], RoleName: longer.iamRole });
    expect(atOverlap.shorter.AccessKeyId).not.toBe(atOverlap.longer.AccessKeyId);
    expect(checks).toEqual(expect.arrayContaining([`granted ${shorter.agent}`, `granted ${longer.agent}`, `ended ${shorter.agent}, ${longer.agent} still live`]));
    expect(secretOf(shorter)).toEqual({ status: 'inactive' });
    expect(secretOf(longer)).toEqual({ status: 'inactive' });
    // Every event about a request names its agent's source, which routes it to that agent's queue only.
    for (const asker of [shorter, longer]) {
      const about = aws.events.filter((e) => e.detail.requestId === ids[asker.agent]);
      // The 15-minute grant gets its notice 5 minutes before the expiry; the 5-minute one is too short for one.
      const notice = minutes[asker.agent] > 5 ? ['Elevation Expiring'] : [];
      expect(about.map((e) => e.detailType)).toEqual(['Elevation Pending Approval', 'Elevation Granted', ...notice, 'Elevation Ended', 'Elevation Audited']);
      expect(about.filter((e) => e.detailType !== 'Elevation Pending Approval').every((e) => e.detail.agentSource === asker.source)).toBe(true);
    }
    expect(aws.events.some((e) => e.detailType === 'Elevation Refused')).toBe(false);
  });

  it('refuses the same agent’s second request at Register, serves the other agent, and grants again after the first grant ends', async () => {
    // Prepare: ops-bot holds a live grant.
    const firstMayExpire = gate();
    const first = runElevation(aws, askFor(OPS_BOT, 'req-bot-first-01', 15), {
      beforeTask: (state) => (state === STATE.waitUntilExpiry ? firstMayExpire.opened : undefined),
    });
    await approve(aws, 'req-bot-first-01', OPS_BOT, 15);
    while (secretOf(OPS_BOT).RequestId !== 'req-bot-first-01') await new Promise((r) => setTimeout(r, 5));
    const emailsBefore = aws.emails.length;

    // Act: the same agent asks again; the other agent asks for the same account.
    const second = await runElevation(aws, askFor(OPS_BOT, 'req-bot-second-02', 10));
    const other = runElevation(aws, askFor(DEFAULT, 'req-default-03', 5));
    await approve(aws, 'req-default-03', DEFAULT, 5);

    // Assess: the refusal, before any email, naming the live request and its expiry.
    expect(second).toMatchObject({ status: 'FAILED', error: 'GrantAlreadyLive', finalState: STATE.grantAlreadyLive });
    expect(second.path).not.toContain(STATE.awaitApproval);
    const refused = aws.events.find((e) => e.detailType === 'Elevation Refused');
    const liveUntil = String(secretOf(OPS_BOT).Expiration);
    expect(refused?.detail).toMatchObject({
      requestId: 'req-bot-second-02',
      status: 'REFUSED',
      agentSource: OPS_BOT.source,
      liveRequestId: 'req-bot-first-01',
      liveUntil,
      reason: `a grant is live for jit-agent-ops-bot in ${PROD} (request req-bot-first-01 until ${liveUntil}); end it (jit end req-bot-first-01) and ask again`,
    });
    expect(aws.emails.length).toBe(emailsBefore + 1); // only the other agent's approval email
    expect(aws.table.items.get('req-bot-second-02')).toMatchObject({ status: 'REFUSED' });
    expect(secretOf(OPS_BOT)).toMatchObject({ RequestId: 'req-bot-first-01' });
    expect((await other).finalState).toBe(STATE.audited);

    // After the first grant ends, the same agent is granted again.
    firstMayExpire.open();
    expect((await first).finalState).toBe(STATE.audited);
    const again = runElevation(aws, askFor(OPS_BOT, 'req-bot-again-04', 10), {
      beforeTask: (state) => {
        if (state === STATE.notifyGranted) holdsOwnGrant(OPS_BOT, 'req-bot-again-04');
      },
    });
    await approve(aws, 'req-bot-again-04', OPS_BOT, 10);
    expect((await again).finalState).toBe(STATE.audited);
  });

  it.each([
    {
      refusal: 'Elevation Rejected',
      state: STATE.rejected,
      // Not a role of the account: the request never validates, so it has no record.
      send: async (asker: Asker, requestId: string) => [await runElevation(aws, { ...askFor(asker, requestId, 5), detail: { requestId, account: 'prod', role: 'Nope', minutes: 5, reason: 'x' } })],
    },
    {
      refusal: 'Elevation Duplicate Refused',
      state: STATE.duplicateRefused,
      // The id is taken by a different request, registered (and still pending) under it.
      send: async (asker: Asker, requestId: string) => {
        const first = runElevation(aws, askFor(asker, requestId, 5), { approvalTimeoutSeconds: 1 });
        await pendingTaskToken(aws, requestId);
        const second = await runElevation(aws, { ...askFor(asker, requestId, 5), detail: { requestId, account: 'prod', role: asker.role, minutes: 5, reason: 'Something else' } });
        return [second, await first];
      },
    },
  ])('sends $refusal of a request that was never stored only to its own agent’s queue', async ({ refusal, state, send }) => {
    // Act: each agent sends a request that is refused before it is stored.
    const [byDefault] = await send(DEFAULT, 'req-refused-default');
    const [byBot] = await send(OPS_BOT, 'req-refused-opsbot');

    // Assess: each refusal carries its agent's source and reaches that agent's queue alone.
    expect(byDefault.finalState).toBe(state);
    expect(byBot.finalState).toBe(state);
    const refusals = aws.events.filter((e) => e.detailType === refusal);
    expect(refusals.map((e) => [e.detail.requestId, e.detail.agentSource])).toEqual([
      ['req-refused-default', DEFAULT.source],
      ['req-refused-opsbot', OPS_BOT.source],
    ]);
    expect(refusals.map((e) => queuesReached(e))).toEqual([['AgentNotifications'], ['AgentNotificationsOpsBot']]);
  });

  it('refuses an extension of another agent’s grant: the event source pins the agent, and the live grant is untouched', async () => {
    // Prepare: ops-bot holds a live grant.
    const mayExpire = gate();
    const live = runElevation(aws, askFor(OPS_BOT, 'req-bot-live-001', 15), {
      beforeTask: (state) => (state === STATE.waitUntilExpiry ? mayExpire.opened : undefined),
    });
    await approve(aws, 'req-bot-live-001', OPS_BOT, 15);
    while (secretOf(OPS_BOT).RequestId !== 'req-bot-live-001') await new Promise((r) => setTimeout(r, 5));
    const before = secretOf(OPS_BOT);

    // Act: the default agent asks to extend it (its own source, jit.agent).
    const refused = await runElevation(aws, extensionEvent({ requestId: 'ext-not-mine-01', extends: 'req-bot-live-001', minutes: 5, reason: 'More' }, 'e1000000-0000-4000-8000-000000000001', DEFAULT.source));

    // Assess
    expect(refused).toMatchObject({ status: 'FAILED', finalState: STATE.rejected });
    expect(aws.events.find((e) => e.detailType === 'Elevation Rejected')?.detail).toMatchObject({ requestId: 'ext-not-mine-01', reason: expect.stringContaining("is another agent's grant") });
    expect(secretOf(OPS_BOT)).toEqual(before);
    expect(aws.minted).toHaveLength(1);
    mayExpire.open();
    expect((await live).finalState).toBe(STATE.audited);
  });
});
