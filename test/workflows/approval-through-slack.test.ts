import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type LocalExecutionResult, type LocalFunction, runLocalExecution } from '../../workflows/local/local-execution';
import { resolveIntrinsics, synthesizedWorkflow, type SynthesizedWorkflow } from '../../workflows/local/synthesized-workflow';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { evaluateCondition } from '../fakes/fake-dynamodb';
import { FakeSlack } from '../fakes/fake-slack';
import { CTX, newFakeAws, pendingTaskToken, requestEvent } from '../helpers/elevation-harness';
import {
  BOT_TOKEN,
  SLACK_CHANNEL,
  SLACK_SECRET_NAME,
  STRANGER_SLACK_ID,
  blockActionsPayload,
  formBody,
  slackConfig,
  slackEvent,
  slackSecretString,
} from '../helpers/slack-fixtures';
import { synthApp } from '../helpers/synth';

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
type Item = Record<string, unknown>;

const slack = new FakeSlack(BOT_TOKEN);
let workflow: SynthesizedWorkflow;
let functions: Map<string, LocalFunction>;
let interactions: HttpHandler;
let pressTable: string;

/**
 * The broker synthesized with `approval.slack`, its functions loaded with the environment the template
 * gives them, and Slack's API pointed at a local stand-in that answers as Slack documents.
 */
beforeAll(async () => {
  await slack.start();
  const { json } = synthApp(slackConfig());
  workflow = synthesizedWorkflow(json, CTX);
  const env: Record<string, string> = {};
  for (const resource of Object.values(json.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const vars = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const [name, value] of Object.entries(vars)) if (name !== 'JIT_FUNCTION') env[name] = String(resolveIntrinsics(value, json, CTX));
  }
  Object.assign(process.env, env, { AWS_REGION: CTX.region, SLACK_API_URL: `${slack.url}/api`, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' });
  pressTable = env.SLACK_PRESS_TABLE;
  functions = new Map();
  for (const [arn, entry] of workflow.functionEntries) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    functions.set(arn, (require(`../../handlers/lambda/${entry}`) as { handler: LocalFunction }).handler);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  interactions = (require('../../handlers/lambda/slack-interactions') as { handler: HttpHandler }).handler;
});

afterAll(() => slack.stop());

describe('Workflow: a decision made with a Slack button drives the synthesized state machine', () => {
  let aws: FakeAws;
  let presses: Map<string, Item>;

  beforeEach(() => {
    aws = newFakeAws();
    aws.secrets.create(SLACK_SECRET_NAME, slackSecretString());
    slack.calls.length = 0;
    // The seen-requests table beside the request table, with the same conditional-write rules.
    presses = new Map();
    aws.table.mock.on(PutCommand, { TableName: pressTable }).callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item }) => {
      const key = String(input.Item.key);
      if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, presses.get(key), input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { ConditionalCheckFailedException } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
      presses.set(key, input.Item);
      return {};
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { systemClock } = require('../../handlers/lambda/runtime') as typeof import('../../handlers/lambda/runtime');
    const spy = jest.spyOn(systemClock, 'now').mockImplementation(() => aws.clock.now());
    aws.onRestore(() => spy.mockRestore());
  });
  afterEach(() => aws.restore());

  function run(requestId: string): Promise<LocalExecutionResult> {
    return runLocalExecution(requestEvent({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the worker' }), {
      definition: workflow.definition,
      functions,
      tokens: aws.tokens,
      clock: aws.clock,
      retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
    });
  }

  /** Resolves once the prompt reached Slack (the token is stored before the emails and the post). */
  async function promptPosted(): Promise<void> {
    const started = Date.now();
    while (slack.api('chat.postMessage').length === 0) {
      if (Date.now() - started > 5000) throw new Error('No chat.postMessage reached the Slack stand-in');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Slack's clock, in Unix seconds, as the X-Slack-Request-Timestamp header carries it. */
  function slackNow(): number {
    return Math.floor(aws.clock.now().getTime() / 1000);
  }

  function press(requestId: string, options: { userId?: string; actionId?: string; ts?: string; responseUrl?: string } = {}): string {
    return formBody(blockActionsPayload({ requestId, channel: SLACK_CHANNEL, ts: options.ts ?? '1764633600.000001', responseUrl: `${slack.url}/respond/1`, ...options }));
  }

  it('posts the prompt, approves from the Approve button, updates the message: granted, then audited', async () => {
    // Prepare
    const requestId = 'req-slack-0001';
    const execution = run(requestId);
    await pendingTaskToken(aws, requestId);
    await promptPosted();
    const [posted] = slack.api('chat.postMessage');

    // Act
    const started = Date.now();
    const answered = await interactions(slackEvent(press(requestId), { timestamp: slackNow() }));
    const answeredInMs = Date.now() - started;
    const result = await execution;

    // Assess: the prompt went to the channel with the bot token, both buttons carrying the request id.
    expect(posted.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(posted.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(posted.body).toMatchObject({ channel: SLACK_CHANNEL, text: `Approve Ops for 15 min in prod? (request ${requestId})` });
    expect((posted.body.blocks as Item[]).find((b) => b.type === 'actions')).toEqual({
      type: 'actions',
      block_id: `jit_decide_${requestId}`,
      elements: [
        { type: 'button', action_id: 'jit_approve', text: { type: 'plain_text', text: 'Approve', emoji: false }, style: 'primary', value: requestId },
        { type: 'button', action_id: 'jit_deny', text: { type: 'plain_text', text: 'Deny', emoji: false }, style: 'danger', value: requestId },
      ],
    });
    // The email still went out.
    expect(aws.emails[0].subject).toMatch(/^Approve Ops for 15 min in prod\?/);
    // Acknowledged with an empty 200, well inside Slack's 3 seconds.
    expect(answered).toMatchObject({ statusCode: 200, body: '' });
    expect(answeredInMs).toBeLessThan(3000);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    expect(aws.table.items.get(requestId)).toMatchObject({
      status: 'AUDITED',
      decision: { role: 'Ops', minutes: 15, approver: 'security-lead@example.com', channel: 'slack' },
    });
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    // The pressed message now shows the outcome and no buttons.
    const [updated] = slack.api('chat.update');
    expect(updated.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(updated.body).toMatchObject({ channel: SLACK_CHANNEL, ts: '1764633600.000001', text: `Approved: Ops for 15 min in prod (request ${requestId})` });
    expect(JSON.stringify(updated.body.blocks)).not.toContain('jit_approve');
    expect(aws.emails.map((e) => e.subject).at(-1)).toBe(`Approved: Ops in prod (request ${requestId})`);
    expect(aws.emails.at(-1)?.text).toContain('Through: Slack');
  });

  it('refuses a bad signature, a stale timestamp, a replay and an unmapped user, then honours one denial', async () => {
    // Prepare
    const requestId = 'req-slack-0002';
    const execution = run(requestId);
    await pendingTaskToken(aws, requestId);
    await promptPosted();
    const approve = press(requestId);

    // Act
    const forged = await interactions(slackEvent(approve, { timestamp: slackNow(), secret: 'not-the-signing-secret-of-this-app' }));
    const stale = await interactions(slackEvent(approve, { timestamp: slackNow() - 6 * 60 }));
    const stranger = await interactions(slackEvent(press(requestId, { userId: STRANGER_SLACK_ID }), { timestamp: slackNow() }));
    const pendingAfterRefusals = aws.table.items.get(requestId)?.status;
    const deny = slackEvent(press(requestId, { actionId: 'jit_deny' }), { timestamp: slackNow() });
    const denied = await interactions(deny);
    const replayed = await interactions(deny);
    const lateApprove = await interactions(slackEvent(approve, { timestamp: slackNow() + 1 }));
    const result = await execution;

    // Assess
    expect(forged).toMatchObject({ statusCode: 401, body: 'Invalid Slack signature.\n' });
    expect(stale).toMatchObject({ statusCode: 401, body: 'Request timestamp too far from now.\n' });
    expect(stranger).toMatchObject({ statusCode: 200, body: '' });
    expect(pendingAfterRefusals).toBe('PENDING_APPROVAL');
    expect(aws.events.find((e) => e.detailType === 'Elevation Approval Refused')?.detail).toMatchObject({
      requestId,
      channel: 'slack',
      slackUserId: STRANGER_SLACK_ID,
    });
    expect(denied).toMatchObject({ statusCode: 200 });
    expect(replayed).toMatchObject({ statusCode: 409, body: 'This request was already received.\n' });
    expect(lateApprove).toMatchObject({ statusCode: 200 });
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.denied });
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskFailureCommand, 1);
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(aws.table.items.get(requestId)).toMatchObject({ status: 'DENIED', denial: { approver: 'security-lead@example.com', channel: 'slack' } });
    // Told privately: the stranger, then the approver whose late Approve found the request decided.
    expect(slack.responses().map((c) => c.body)).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: 'You are not a configured approver for these requests; your press changed nothing.' },
      { response_type: 'ephemeral', replace_original: false, text: 'This request was already decided; your press changed nothing.' },
    ]);
    expect(slack.api('chat.update').map((c) => c.body.text)).toEqual([`Denied: Ops for 15 min in prod (request ${requestId})`, `Denied: Ops for 15 min in prod (request ${requestId})`]);
  });
});
