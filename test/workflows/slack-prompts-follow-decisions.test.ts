import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { breakGlassSlackMessage } from '../../handlers/core/break-glass-slack';
import type { ApprovalDecision } from '../../handlers/core/approval-decision';
import type { BreakGlassMark } from '../../handlers/core/break-glass';
import type { ElevationRequest } from '../../handlers/core/elevation-request';
import { type LoadedConfig, loadJitConfig } from '../../infra/config/load-config';
import { type FunctionHost, type LoadedFunction, loadBrokerFunctions } from '../../sandbox/engine/functions';
import { matchesPattern } from '../../sandbox/models/event-pattern';
import { rulesOf } from '../../sandbox/services/eventbridge';
import type { SynthesizedStack } from '../../sandbox/template/deployed-template';
import { type DeployedWorkflow, deployedWorkflow } from '../../sandbox/template/deployed-workflow';
import { type LocalExecutionResult, runLocalExecution } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { FakeSlack } from '../fakes/fake-slack';
import { approverRouteEvent, form, httpEvent, linkIn, splitLink } from '../helpers/approval-fixtures';
import { CTX, newFakeAws, pendingTaskToken, requestEvent, useHarnessConfig } from '../helpers/elevation-harness';
import { synthesizedStack } from '../helpers/iam-template';
import { BOT_TOKEN, SLACK_SECRET_NAME, slackSecretString } from '../helpers/slack-fixtures';
import { synthApp } from '../helpers/synth';

/**
 * test/configs/break-glass.config.json (three approvers with IAM users; Ops is `breakGlass` for at most 15
 * minutes) with Slack prompts in each approver's direct messages, and a rule that approves read-only Deploy
 * requests without a human. Every decision made outside Slack must reach every posted copy of the prompt,
 * through the stack's own EventBridge rules (read from the synthesized template) to the interactions function.
 */
const SLACK_USERS = { U0ONCALL01: 'oncall@example.com', U0SECLEAD1: 'security-lead@example.com', U0PLATFRM1: 'platform-lead@example.com' };
const ONCALL = 'arn:aws:iam::111111111111:user/oncall';
const SECURITY = 'arn:aws:iam::111111111111:user/security-lead';

function promptsConfig(): LoadedConfig {
  const loaded = loadJitConfig(join(__dirname, '..', 'configs', 'break-glass.config.json'));
  return {
    ...loaded,
    config: {
      ...loaded.config,
      approval: {
        ...loaded.config.approval,
        slack: { postTo: 'direct', secretName: SLACK_SECRET_NAME, users: SLACK_USERS },
        rules: [{ name: 'read-only-deploy', roles: ['Deploy'], maxMinutes: 30, actions: 'read-only' }],
      },
    },
  };
}

const config = promptsConfig();
useHarnessConfig(config);
jest.setTimeout(300_000);

const slack = new FakeSlack(BOT_TOKEN);
let stack: SynthesizedStack;
let workflow: DeployedWorkflow;

beforeAll(async () => {
  await slack.start();
  stack = synthesizedStack(synthApp(config).stacks.broker);
  workflow = deployedWorkflow(stack);
});
afterAll(() => slack.stop());

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
type Envelope = Record<string, unknown>;

describe('Workflow: every copy of a Slack prompt follows a decision made anywhere else', () => {
  let aws: FakeAws;
  let functions: LoadedFunction[];
  let web: HttpHandler;
  let interactions: (event: unknown) => Promise<unknown>;
  /** Broker events the stack's rules deliver to the interactions function, as EventBridge envelopes. */
  let delivered: Envelope[];

  beforeEach(() => {
    aws = newFakeAws();
    const host: FunctionHost = { clock: aws.clock, logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT', aws: { region: CTX.region }, region: CTX.region, slackApiUrl: `${slack.url}/api` };
    functions = loadBrokerFunctions(stack, host);
    const byEntry = (entry: string) => {
      const fn = functions.find((f) => f.entry === entry);
      if (!fn) throw new Error(`no ${entry} function`);
      return fn;
    };
    web = byEntry('approval-web').handler as HttpHandler;
    const interactionFunction = byEntry('slack-interactions');
    interactions = interactionFunction.handler as (event: unknown) => Promise<unknown>;
    aws.secrets.create(SLACK_SECRET_NAME, slackSecretString());
    slack.calls.length = 0;
    delivered = [];
    // The rules of the synthesized template whose target is the interactions function, matched as EventBridge
    // matches them: only what they select reaches it.
    const rules = rulesOf(stack).filter((r) => r.targets.includes(interactionFunction.arn));
    aws.rules.push((event) => {
      const envelope: Envelope = {
        version: '0',
        id: event.id,
        'detail-type': event.detailType,
        source: event.source,
        account: CTX.accountId,
        time: event.time,
        region: CTX.region,
        resources: [],
        detail: event.detail,
      };
      if (rules.some((r) => matchesPattern(r.pattern, envelope))) delivered.push(envelope);
    });
  });
  afterEach(() => aws.restore());

  function run(requestId: string, detail: Record<string, unknown> = {}): Promise<LocalExecutionResult> {
    return runLocalExecution(requestEvent({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the worker', ...detail }), {
      definition: workflow.definition,
      functions: new Map(functions.map((fn) => [fn.arn, fn.handler])),
      tokens: aws.tokens,
      clock: aws.clock,
      retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
    });
  }

  /** Delivers every event the rules selected so far to the interactions function, as Lambda would. */
  async function deliverAll(): Promise<void> {
    for (const event of delivered.splice(0)) await interactions(event);
  }

  /** Resolves once the request's prompts are posted and recorded (the token is stored before the post). */
  async function promptsPosted(requestId: string, count: number): Promise<void> {
    const started = Date.now();
    while (recordedPrompts(requestId).length < count) {
      if (Date.now() - started > 5000) throw new Error(`${requestId}: ${count} prompts never recorded`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  function recordedPrompts(requestId: string): Array<{ channel: string; ts: string }> {
    return (aws.table.items.get(requestId)?.chatPrompts ?? []) as Array<{ channel: string; ts: string }>;
  }

  /** [channel, ts, text, has buttons] of every chat.update. */
  function updates(): Array<[string, string, string, boolean]> {
    return slack.api('chat.update').map((u) => [String(u.body.channel), String(u.body.ts), String(u.body.text), JSON.stringify(u.body.blocks).includes('"actions"')]);
  }

  function reviewLinkOf(approver: string): ReturnType<typeof splitLink> {
    const email = aws.emails.find((e) => e.to.includes(approver) && /^Approve /.test(e.subject));
    if (!email) throw new Error(`no approval email to ${approver}`);
    return splitLink(linkIn(email.text));
  }

  it('an approval on the review page replaces every direct-message copy with the outcome, and a second delivery changes nothing', async () => {
    // Prepare: no requester, so all three approvers get a direct message.
    const requestId = 'req-prompt-0001';
    const execution = run(requestId);
    await pendingTaskToken(aws, requestId);
    await promptsPosted(requestId, 3);
    const link = reviewLinkOf('security-lead@example.com');

    // Act
    const decided = await web(httpEvent('POST', link.path, { body: form({ c: link.capability, role: 'Ops', minutes: '10', note: '', action: 'approve' }), contentType: 'application/x-www-form-urlencoded' }));
    const result = await execution;
    const events = delivered.map((e) => e['detail-type']);
    const again = structuredClone(delivered);
    await deliverAll();
    const first = updates();
    for (const event of again) await interactions(event);

    // Assess
    expect(decided.statusCode).toBe(200);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(events).toEqual(['Elevation Granted']);
    const prompts = recordedPrompts(requestId);
    expect(prompts).toHaveLength(3);
    const text = `Approved: Ops for 10 min in prod (request ${requestId})`;
    expect(first).toEqual(prompts.map((p) => [p.channel, p.ts, text, false]));
    expect(JSON.stringify(slack.api('chat.update')[0].body.blocks)).toContain('Approved by security-lead@example.com at ');
    // The same event delivered again: the same outcome written again, nothing else.
    expect(updates()).toEqual([...first, ...first]);
    expect(aws.table.items.get(requestId)).toMatchObject({ status: 'AUDITED', decision: { approver: 'security-lead@example.com', channel: 'web', minutes: 10 } });
  });

  it.each([
    ['approve', 'Approved: Ops for 15 min in prod', STATE.audited],
    ['deny', 'Denied: Ops for 15 min in prod', STATE.denied],
  ] as const)('jit %s (the approver route) replaces every copy with the outcome the table records', async (verdict, headline, finalState) => {
    // Prepare: oncall is the requester, so only the two other approvers get a copy.
    const requestId = `req-prompt-cli-${verdict}`;
    const execution = run(requestId, { requester: 'oncall@example.com' });
    await pendingTaskToken(aws, requestId);
    await promptsPosted(requestId, 2);

    // Act
    const decided = await web(approverRouteEvent('POST', `/approvals/${requestId}/${verdict}`, SECURITY, verdict === 'deny' ? { reason: 'Use the pipeline' } : {}));
    const result = await execution;
    await deliverAll();

    // Assess
    expect(decided.statusCode).toBe(200);
    expect(result).toMatchObject({ finalState });
    const prompts = recordedPrompts(requestId);
    expect(prompts).toHaveLength(2);
    expect(updates()).toEqual(prompts.map((p) => [p.channel, p.ts, `${headline} (request ${requestId})`, false]));
  });

  it('break-glass: the alert goes to every mapped approver with the documented blocks, the email and event go out, and every prompt is settled', async () => {
    // Prepare
    const requestId = 'req-prompt-glass';
    const execution = run(requestId, { requester: 'oncall@example.com', minutes: 10 });
    await pendingTaskToken(aws, requestId);
    await promptsPosted(requestId, 2);
    const posted = slack.api('chat.postMessage').length;

    // Act
    const approved = await web(approverRouteEvent('POST', `/approvals/${requestId}/approve`, ONCALL, { breakGlass: true, reason: 'Orders API is down, incident INC-42' }));
    const alerts = slack.api('chat.postMessage').slice(posted);
    const result = await execution;
    const events = delivered.map((e) => e['detail-type']);
    await deliverAll();

    // Assess: the alert, in each mapped approver's direct messages, exactly as breakGlassSlackMessage renders it.
    expect(JSON.parse(String(approved.body))).toMatchObject({ outcome: 'approved', breakGlass: true, alerts: { email: true, event: true, slack: true } });
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    const record = aws.table.items.get(requestId) as unknown as ElevationRequest & { decision: ApprovalDecision & { breakGlass: BreakGlassMark } };
    const expected = breakGlassSlackMessage(record, record.decision);
    expect(alerts.map((a) => a.body.channel)).toEqual(Object.keys(SLACK_USERS));
    for (const alert of alerts) {
      expect(alert.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(alert.body).toEqual({ channel: alert.body.channel, text: expected.text, blocks: expected.blocks });
    }
    expect(expected.text).toBe(`BREAK-GLASS: oncall@example.com approved their own Ops in prod (request ${requestId})`);
    expect(JSON.stringify(expected.blocks)).not.toContain('"actions"');
    expect(aws.emails.find((e) => e.subject.startsWith('BREAK-GLASS'))?.to).toEqual(['oncall@example.com', 'security-lead@example.com', 'platform-lead@example.com']);
    expect(aws.events.find((e) => e.detailType === 'Elevation Break Glass')?.detail).toMatchObject({ requestId, operator: 'oncall@example.com', reason: 'Orders API is down, incident INC-42' });
    // Both the break-glass event and the grant reach the interactions function; each settles the same way.
    expect(events).toEqual(['Elevation Break Glass', 'Elevation Granted']);
    const prompts = recordedPrompts(requestId);
    expect(prompts).toHaveLength(2);
    const text = `Approved: Ops for 10 min in prod (request ${requestId})`;
    expect(updates()).toEqual([...prompts, ...prompts].map((p) => [p.channel, p.ts, text, false]));
    expect(JSON.stringify(slack.api('chat.update')[0].body.blocks)).toContain('Break-glass: approved by oncall@example.com, their own request, at ');
  });

  it('a rule approval posts no prompt, so its grant updates nothing in Slack', async () => {
    // Prepare
    const requestId = 'req-prompt-rule';

    // Act
    const result = await run(requestId, { role: 'Deploy', minutes: 20, plannedActions: ['ecs:ListTasks'] });
    const events = delivered.map((e) => e['detail-type']);
    await deliverAll();

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.table.items.get(requestId)).toMatchObject({ decision: { approver: 'rule:read-only-deploy', channel: 'rule' } });
    expect(events).toEqual(['Elevation Granted']);
    expect(slack.calls).toEqual([]);
  });

  it('an event naming a request still pending changes no prompt (the table decides, not the event)', async () => {
    // Prepare
    const requestId = 'req-prompt-forged';
    const execution = run(requestId);
    await pendingTaskToken(aws, requestId);
    await promptsPosted(requestId, 3);

    // Act: a forged Granted naming the pending request, then a real denial.
    await interactions({ version: '0', id: 'forged', 'detail-type': 'Elevation Granted', source: 'jit.broker', account: CTX.accountId, time: aws.clock.now().toISOString(), region: CTX.region, resources: [], detail: { requestId, role: 'Ops', minutes: 15 } });
    const afterForged = updates();
    await web(approverRouteEvent('POST', `/approvals/${requestId}/deny`, SECURITY, { reason: 'not now' }));
    await execution;
    await deliverAll();

    // Assess
    expect(afterForged).toEqual([]);
    expect(updates().map((u) => u[2])).toEqual(Array(3).fill(`Denied: Ops for 15 min in prod (request ${requestId})`));
  });
});
