import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type FunctionHost, type LoadedFunction, loadBrokerFunctions } from '../../sandbox/engine/functions';
import { ENVIRONMENT_VARIABLES } from '../../handlers/core/function-environment';
import { BROKER_NAMES } from '../../handlers/core/resource-names';
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
  APPROVER_SLACK_ID,
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
  let interactionHandler: (event: unknown) => Promise<unknown>;

  beforeEach(() => {
    aws = newFakeAws();
    functions = slackBroker(aws);
    const interactionFunction = functions.find((fn) => fn.entry === 'slack-interactions');
    if (!interactionFunction) throw new Error('The broker stack with approval.slack has no slack-interactions function.');
    interactions = interactionFunction.handler as HttpHandler;
    interactionHandler = interactionFunction.handler as (event: unknown) => Promise<unknown>;
    pressTable = interactionFunction.environment[ENVIRONMENT_VARIABLES.slackPressTable];
    // The function hands each accepted press to itself, by its fixed name, as an asynchronous invocation.
    aws.functions.set(BROKER_NAMES.slackInteractionsFunction, interactionFunction.handler as (event: unknown) => Promise<unknown>);
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

  function run(requestId: string, options: { approvalTimeoutSeconds?: number } = {}): Promise<LocalExecutionResult> {
    return runLocalExecution(requestEvent({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the worker' }), {
      definition: workflow.definition,
      functions: new Map(functions.map((fn) => [fn.arn, fn.handler])),
      tokens: aws.tokens,
      clock: aws.clock,
      retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
      ...(options.approvalTimeoutSeconds ? { taskTimeoutOverrides: { [STATE.awaitApproval]: options.approvalTimeoutSeconds } } : {}),
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
    const decidedBeforeAnswer = aws.sfn.commandCalls(SendTaskSuccessCommand).length + slack.api('chat.update').length;
    const handedOff = aws.lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    const ran = await aws.runQueuedInvocations();
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
    // Acknowledged with an empty 200 before deciding: the press went to the function itself, asynchronously,
    // and nothing reached the workflow or Slack until that invocation ran.
    expect(answered).toMatchObject({ statusCode: 200, body: '' });
    expect(answeredInMs).toBeLessThan(3000);
    expect(decidedBeforeAnswer).toBe(0);
    expect(handedOff).toHaveLength(1);
    expect(handedOff[0]).toMatchObject({ FunctionName: BROKER_NAMES.slackInteractionsFunction, InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(handedOff[0].Payload as Uint8Array).toString('utf8'))).toEqual({
      kind: 'jit.slack-press',
      press: { slackUserId: APPROVER_SLACK_ID, verdict: 'approve', requestId, message: { channel: SLACK_CHANNEL, ts: postedTs }, responseUrl: `${slack.url}/respond/1` },
    });
    expect(ran).toBe(1);
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
    // The last email but the notice before the expiry (docs/agent.md#before-a-grant-expires) confirms the decision.
    const confirmation = aws.emails.filter((e) => !e.subject.startsWith('Expiring in')).at(-1);
    expect(confirmation?.subject).toBe(`Approved: Ops in prod (request ${requestId})`);
    expect(confirmation?.text).toContain('Through: Slack');
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
    const ranDeny = await aws.runQueuedInvocations();
    const lateApprove = await interactions(slackEvent(approve, { timestamp: slackNow() + 1 }));
    const ranLate = await aws.runQueuedInvocations();
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
    // Only the accepted presses were handed off: the deny and the late approve, not the refused ones.
    expect([ranDeny, ranLate]).toEqual([1, 1]);
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

  /** An event as EventBridge delivers it to a Lambda target. */
  function delivered(detailType: string, detail: Record<string, unknown>, id = 'e-1'): Record<string, unknown> {
    return { version: '0', id, 'detail-type': detailType, source: 'jit.broker', account: CTX.accountId, time: aws.clock.now().toISOString(), region: CTX.region, resources: [], detail };
  }

  it('closes every posted prompt when the approval window ends without a decision', async () => {
    // Prepare: the stack's rule sends Elevation Approval Expired to the interactions function.
    const requestId = 'req-slack-0003';
    const expiredEvents: Array<Record<string, unknown>> = [];
    aws.rules.push((event) => {
      if (event.detailType === 'Elevation Approval Expired') expiredEvents.push(delivered(event.detailType, event.detail, event.id));
    });
    const execution = run(requestId, { approvalTimeoutSeconds: 1 });
    await pendingTaskToken(aws, requestId);
    await promptPosted();
    const result = await execution;

    // Act
    for (const event of expiredEvents) await interactionHandler(event);

    // Assess: the workflow expired, and the recorded prompt lost its buttons and says the window closed.
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.approvalExpired });
    expect(expiredEvents).toHaveLength(1);
    expect(aws.table.items.get(requestId)).toMatchObject({ status: 'APPROVAL_EXPIRED', chatPrompts: [{ channel: SLACK_CHANNEL, ts: postedTs }] });
    const updates = slack.api('chat.update');
    expect(updates.map((u) => [u.body.channel, u.body.ts, u.body.text])).toEqual([[SLACK_CHANNEL, postedTs, `Closed: Ops for 15 min in prod (request ${requestId})`]]);
    expect(JSON.stringify(updates[0].body.blocks)).toContain('The approval window closed; nothing was granted.');
    expect(JSON.stringify(updates[0].body.blocks)).not.toContain('"actions"');
  }, 60_000);

  it('leaves the prompts alone for an Approval Expired event whose request did not expire', async () => {
    // Prepare: a request still pending.
    const requestId = 'req-slack-0004';
    const execution = run(requestId);
    await pendingTaskToken(aws, requestId);
    await promptPosted();

    // Act: a forged event naming it, then a real denial.
    await interactionHandler(delivered('Elevation Approval Expired', { requestId }));
    await interactions(slackEvent(press(requestId, { actionId: 'jit_deny' }), { timestamp: slackNow() }));
    await aws.runQueuedInvocations();
    await execution;

    // Assess: only the denial updated the prompt.
    expect(slack.api('chat.update').map((u) => u.body.text)).toEqual([`Denied: Ops for 15 min in prod (request ${requestId})`]);
  }, 60_000);
});
