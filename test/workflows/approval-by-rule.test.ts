import { join } from 'node:path';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { type Weekday, localTime } from '../../handlers/core/approval-rules';
import { APPROVAL_DENIED_ERROR } from '../../handlers/core/errors';
import { loadJitConfig } from '../../infra/config/load-config';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { newFakeAws, pendingTaskToken, requestEvent, runElevation, useHarnessConfig } from '../helpers/elevation-harness';
import { extensionEvent } from '../helpers/fixtures';

/**
 * test/configs/approval-rules.config.json: rule `read-only-ops` approves Ops in prod for at most 15 minutes,
 * read-only planned actions, Monday to Friday 08:00-18:00 Europe/Berlin; Security is humanOnly.
 */
useHarnessConfig(loadJitConfig(join(__dirname, '..', 'configs', 'approval-rules.config.json')));
jest.setTimeout(300_000);

const REQUEST_ID = 'req-rule-0001';
const READ_ONLY = ['ec2:DescribeInstances', 'ecs:ListTasks', 'logs:GetLogEvents'];

/** Moves the virtual clock forward to the next `day` at `hour`:00 in Europe/Berlin. */
function moveTo(aws: FakeAws, day: Weekday, hour: number): void {
  let at = new Date(Math.ceil(aws.clock.now().getTime() / 900_000) * 900_000 + 86_400_000);
  for (let i = 0; i < 8 * 96; i += 1, at = new Date(at.getTime() + 900_000)) {
    const local = localTime(at, 'Europe/Berlin');
    if (local.day === day && local.minute === hour * 60) return aws.clock.advanceTo(at);
  }
  throw new Error(`no ${day} ${hour}:00 in Europe/Berlin within 8 days`);
}

describe('Workflow: a rule approves without a human; anything outside it goes to the humans', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('approves Ops for 10 minutes of read-only work on a Monday morning as rule:read-only-ops, through to Audited', async () => {
    // Prepare
    moveTo(aws, 'Mon', 10);

    // Act
    const result = await runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 10, reason: 'Look at the worker', plannedActions: READ_ONLY }));

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const record = aws.table.items.get(REQUEST_ID);
    expect(record).toMatchObject({ status: 'AUDITED', approverLinks: {}, decision: { role: 'Ops', minutes: 10, approver: 'rule:read-only-ops', channel: 'rule' } });
    // No review link went out; the approvers got the confirmation, naming the rule, and, no human having
    // approved it, the routed approvers the notice 5 minutes before the expiry (docs/agent.md#before-a-grant-expires).
    expect(aws.emails.map((e) => e.subject)).toEqual([`Approved: Ops in prod (request ${REQUEST_ID})`, `Expiring in 5 min: Ops in prod (request ${REQUEST_ID})`]);
    expect(aws.emails[1].to).toEqual(['security-lead@example.com']);
    expect(aws.emails[0].to).toEqual(['security-lead@example.com']);
    expect(aws.emails[0].text).toContain('rule:read-only-ops');
    const types = aws.events.map((e) => e.detailType);
    expect(types).toEqual(expect.arrayContaining(['Elevation Pending Approval', 'Elevation Granted', 'Elevation Audited']));
    const report = [...aws.s3.objects.values()].flat().map((v) => String(v.body)).find((body) => body.includes(REQUEST_ID) && body.startsWith('{'));
    expect(report).toContain('rule:read-only-ops');
  });

  it.each([
    ['more minutes than the rule allows', 'Mon', 'Ops', 20, READ_ONLY],
    ['a write action in the plan', 'Mon', 'Ops', 10, ['ec2:DescribeInstances', 'ecs:UpdateService']],
    // Ops allows s3:GetObject (not secretsmanager:GetSecretValue, which Register would refuse as outside the role).
    ['a plan that reads data (s3:GetObject)', 'Mon', 'Ops', 10, ['s3:GetObject']],
    ['no plan at all', 'Mon', 'Ops', 10, []],
    ['a Saturday, out of the window', 'Sat', 'Ops', 10, READ_ONLY],
    ['a humanOnly role', 'Mon', 'Security', 5, ['iam:ListRoles']],
  ] as const)('sends %s to the humans: review links mailed, nothing decided', async (_case, day, role, minutes, plannedActions) => {
    // Prepare
    moveTo(aws, day, 10);
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role, minutes, reason: 'Look at the worker', plannedActions: [...plannedActions] }));

    // Act
    const token = await pendingTaskToken(aws, REQUEST_ID);
    const waiting = structuredClone(aws.table.items.get(REQUEST_ID));
    aws.tokens.sendTaskFailure(token, APPROVAL_DENIED_ERROR, 'not now');
    const result = await run;

    // Assess
    expect(waiting?.decision).toBeUndefined();
    expect(Object.values(waiting?.approverLinks ?? {})).toEqual(['security-lead@example.com']);
    expect(aws.emails[0].subject).toMatch(/^Approve /);
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.denied });
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it('never approves an extension: a read-only grant it approved is lengthened only by a human', async () => {
    // Prepare: the rule approves a 10-minute read-only grant; its execution is held at its wait until expiry.
    moveTo(aws, 'Mon', 10);
    let reached: () => void = () => undefined;
    const atWait = new Promise<void>((resolve) => (reached = resolve));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const live = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 10, reason: 'Look at the worker', plannedActions: READ_ONLY }), {
      beforeTask: async (state) => {
        if (state !== STATE.waitUntilExpiry) return;
        reached();
        await gate;
      },
    });
    await atWait;
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'GRANTED', decision: { approver: 'rule:read-only-ops' } });
    const emailsBefore = aws.emails.length;

    // Act: 5 more minutes, same plan, same role, inside the window: every condition of the rule holds.
    const extension = runElevation(aws, extensionEvent({ requestId: 'ext-rule-00001', extends: REQUEST_ID, minutes: 5, reason: 'Still looking' }));
    const token = await pendingTaskToken(aws, 'ext-rule-00001');
    const waiting = structuredClone(aws.table.items.get('ext-rule-00001'));
    aws.tokens.sendTaskFailure(token, APPROVAL_DENIED_ERROR, 'not now');
    const result = await extension;
    release();
    await live;

    // Assess: the humans were asked; nothing was decided by the rule, nothing minted for the extension.
    expect(waiting?.decision).toBeUndefined();
    expect(Object.values(waiting?.approverLinks ?? {})).toEqual(['security-lead@example.com']);
    expect(aws.emails[emailsBefore].subject).toMatch(/^Extend Ops by 5 min in prod\?/);
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.denied });
    expect(aws.sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });
});
