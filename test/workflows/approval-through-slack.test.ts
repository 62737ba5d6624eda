import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type FunctionHost, type LoadedFunction, loadBrokerFunctions } from '../../sandbox/engine/functions';
import { ENVIRONMENT_VARIABLES } from '../../handlers/core/function-environment';
import type { SynthesizedStack } from '../../sandbox/template/deployed-template';
import { type DeployedWorkflow, deployedWorkflow } from '../../sandbox/template/deployed-workflow';
import { type LocalExecutionResult, runLocalExecution } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { evaluateCondition } from '../fakes/fake-dynamodb';
import { FakeSlack } from '../fakes/fake-slack';
import { CTX, newFakeAws, pendingTaskToken, requestEvent } from '../helpers/elevation-harness';
import { synthesizedStack } from '../helpers/iam-template';
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
let stack: SynthesizedStack;
let workflow: DeployedWorkflow;
let pressTable: string;

/**
 * The broker synthesized with `approval.slack`, and Slack's API pointed at a local stand-in that answers as
 * Slack documents. Each test loads the functions through the sandbox's loader with its fake world's clock.
 */
beforeAll(async () => {
  await slack.start();
  stack = synthesizedStack(synthApp(slackConfig()).stacks.broker);
  workflow = deployedWorkflow(stack);
});

afterAll(() => slack.stop());

/** The real broker functions as deployed, with the fake world's virtual clock and Slack calls sent to the stand-in. */
function slackBroker(aws: FakeAws): LoadedFunction[] {
  const host: FunctionHost = {
    clock: aws.clock,
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    aws: { region: CTX.region },
    region: CTX.region,
    slackApiUrl: `${slack.url}/api`,
  };
  return loadBrokerFunctions(stack, host);
}

describe('Workflow: a decision made with a Slack button drives the synthesized state machine', () => {
  let aws: FakeAws;
  let presses: Map<string, Item>;
  let functions: LoadedFunction[];
  let interactions: HttpHandler;

  beforeEach(() => {
    aws = newFakeAws();
    functions = slackBroker(aws);
    const interactionFunction = functions.find((fn) => fn.entry === 'slack-interactions');
    if (!interactionFunction) throw new Error('The broker stack with approval.slack has no slack-interactions function.');
    interactions = interactionFunction.handler as HttpHandler;
    pressTable = interactionFunction.environment[ENVIRONMENT_VARIABLES.slackPressTable];
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
  });
  afterEach(() => aws.restore());

  function run(requestId: string): Promise<LocalExecutionResult> {
    return runLocalExecution(requestEvent({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the worker' }), {
      definition: workflow.definition,
      functions: new Map(functions.map((fn) => [fn.arn, fn.handler])),
      tokens: aws.tokens,
      clock: aws.clock,
      retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
    });
  }

  /** Resolves once the prompt reached Slack (the token is stored before the emails and the post). */
  /** The ts Slack gave the posted prompt: a press carries the message it was on, as Slack's payload does. */
  let postedTs = '1764633600.000001';
  async function promptPosted(): Promise<void> {
    const started = Date.now();
    while (slack.api('chat.postMessage').length === 0) {
      if (Date.now() - started > 5000) throw new Error('No chat.postMessage reached the Slack stand-in');
      await new Promise((r) => setTimeout(r, 5));
    }
    postedTs = slack.postedTs(0);
  }

  /** Slack's clock, in Unix seconds, as the X-Slack-Request-Timestamp header carries it. */
  function slackNow(): number {
    return Math.floor(aws.clock.now().getTime() / 1000);
  }

  function press(requestId: string, options: { userId?: string; actionId?: string; ts?: string; responseUrl?: string } = {}): string {
    return formBody(blockActionsPayload({ requestId, channel: SLACK_CHANNEL, ts: options.ts ?? postedTs, responseUrl: `${slack.url}/respond/1`, ...options }));
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
    expect(updated.body).toMatchObject({ channel: SLACK_CHANNEL, ts: postedTs, text: `Approved: Ops for 15 min in prod (request ${requestId})` });
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
    expect(aws.events.find((e) => e.detailType === 'Elevation Approver Refused')?.detail).toMatchObject({
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
