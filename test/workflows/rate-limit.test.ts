import { join } from 'node:path';
import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { APPROVAL_DENIED_ERROR } from '../../handlers/core/errors';
import { loadJitConfig } from '../../infra/config/load-config';
import { type EventPattern, matchesPattern } from '../../sandbox/models/event-pattern';
import { prop, resourcesOfType } from '../../sandbox/template/deployed-template';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { newFakeAws, requestEvent, runElevation, synthesizedElevation, useHarnessConfig } from '../helpers/elevation-harness';

/**
 * Two agents on one account (test/configs/two-agents.config.json), default limits (5 pending per agent,
 * 20 per hour): a burst of one agent's events must not become a burst of approver emails.
 */
useHarnessConfig(loadJitConfig(join(__dirname, '..', 'configs', 'two-agents.config.json')));

// The first test synthesizes the broker, and the burst runs 20 executions: minutes on a busy machine.
jest.setTimeout(600_000);

const sfn = new SFNClient({ region: 'eu-west-1' });
const BURST = 20;
const PENDING_LIMIT = 5;

let eventCounter = 0;
function askAs(source: 'jit.agent' | 'jit.agent.ops-bot', requestId: string) {
  eventCounter += 1;
  const id = `c0000000-0000-4000-8000-${String(eventCounter).padStart(12, '0')}`;
  const role = source === 'jit.agent' ? 'Ops' : 'Deploy';
  return { ...requestEvent({ requestId, account: 'prod', role, minutes: 15, reason: 'Burst of work' }, id), source };
}

/** The agent queues an event reaches: the synthesized agent-notification rules, matched as EventBridge does. */
function queuesReached(event: { source: string; detailType: string; detail: Record<string, unknown> }): string[] {
  const { stack } = synthesizedElevation();
  return resourcesOfType(stack, 'AWS::Events::Rule')
    .filter(([id]) => id.startsWith('AgentNotifications'))
    .filter(([, rule]) => matchesPattern(prop(rule, 'EventPattern') as EventPattern, { source: event.source, 'detail-type': event.detailType, detail: event.detail }))
    .map(([id]) => id.replace(/Outcomes.*$/, ''));
}

const waiting = (aws: FakeAws, requestId: string): string | undefined => {
  const item = aws.table.items.get(requestId);
  return item?.status === 'PENDING_APPROVAL' && typeof item.taskToken === 'string' && aws.tokens.isWaiting(item.taskToken) ? item.taskToken : undefined;
};

/** Resolves once every request has either ended or waits for a decision. */
async function settled(aws: FakeAws, ids: readonly string[], ended: ReadonlySet<string>): Promise<void> {
  const started = Date.now();
  while (!ids.every((id) => ended.has(id) || waiting(aws, id))) {
    if (Date.now() - started > 120_000) throw new Error('the burst never settled');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Workflow: per-agent request limits', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it("refuses a burst of one agent's requests past its pending limit before anyone is emailed; another agent is not affected", async () => {
    // Prepare
    const ids = Array.from({ length: BURST }, (_, i) => `req-burst-${String(i).padStart(2, '0')}`);
    const ended = new Set<string>();
    const runs = new Map(ids.map((id) => [id, runElevation(aws, askAs('jit.agent', id)).finally(() => ended.add(id))]));
    const denyWaiting = async (requestIds: readonly string[]) => {
      for (const id of requestIds) {
        const token = waiting(aws, id);
        if (token) await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: APPROVAL_DENIED_ERROR, cause: 'Test over' }));
      }
    };
    try {
      // Act
      await settled(aws, ids, ended);
      const other = runElevation(aws, askAs('jit.agent.ops-bot', 'req-ops-bot-01'));
      await settled(aws, ['req-ops-bot-01'], new Set());

      // Assess: only the allowed number reached the approvers
      const mailed = ids.filter((id) => aws.emails.some((e) => e.subject.includes(id)));
      expect(mailed).toHaveLength(PENDING_LIMIT);
      expect(ids.filter((id) => waiting(aws, id))).toEqual(mailed);
      const refusedIds = ids.filter((id) => !mailed.includes(id));
      const results = await Promise.all(refusedIds.map((id) => runs.get(id)));
      for (const result of results) expect(result).toMatchObject({ status: 'FAILED', error: 'RateLimited', finalState: STATE.rateLimited });
      const refusals = aws.events.filter((e) => e.detailType === 'Elevation Refused');
      expect(refusals.map((e) => e.detail.requestId).sort()).toEqual(refusedIds);
      for (const refusal of refusals) {
        expect(refusal.detail).toMatchObject({ code: 'RATE_LIMITED', status: 'REFUSED', agentSource: 'jit.agent' });
        expect(String(refusal.detail.reason)).toMatch(/already has 5 requests waiting for a decision \(limits\.pendingPerAgent\)/);
        expect(queuesReached(refusal)).toEqual(['AgentNotifications']);
      }
      for (const id of refusedIds) expect(aws.table.items.get(id)).toMatchObject({ status: 'REFUSED' });
      // The other agent's request is mailed as if nothing happened.
      expect(aws.emails.some((e) => e.subject.includes('req-ops-bot-01'))).toBe(true);

      // A decided request gives its pending slot back: the agent may ask once more.
      await denyWaiting([mailed[0]]);
      await runs.get(mailed[0]);
      const again = runElevation(aws, askAs('jit.agent', 'req-after-decision'));
      await settled(aws, ['req-after-decision'], new Set());
      expect(waiting(aws, 'req-after-decision')).toBeDefined();
      await denyWaiting(['req-after-decision', 'req-ops-bot-01']);
      await Promise.all([again, other]);
    } finally {
      await denyWaiting(ids);
      await Promise.all(runs.values());
    }
  });
});
