import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbReplayGuard } from '../adapters/aws/dynamodb-replay-guard';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SfnTaskCallbacks } from '../adapters/aws/sfn-task-callbacks';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { slackHandOff, slackHandOffSchema } from '../core/slack-interaction';
import { decideSlackPress, handleSlackInteraction, settleRecordedPrompts } from '../http/slack-routes';
import { z } from 'zod';
import { BROKER_EVENT_SOURCE, detailTypeFor } from '../core/broker-event';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { PROMPT_SETTLING_OUTCOMES } from '../core/recorded-prompt-outcome';
import { parseSettings } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';
import { slackClients } from './slack-clients';

/**
 * A broker event after which the prompts may be out of date, as EventBridge delivers it to the function (the
 * stack's rule, `PROMPT_SETTLING_OUTCOMES`). Only its request id is read; the outcome comes from the table.
 */
const settlingEventSchema = z
  .object({
    source: z.literal(BROKER_EVENT_SOURCE),
    'detail-type': z.enum(PROMPT_SETTLING_OUTCOMES.map((o) => detailTypeFor(o))),
    detail: z.object({ requestId: z.string().regex(REQUEST_ID_PATTERN) }).loose(),
  })
  .loose();

/**
 * Slack's interactivity request URL: verifies the signed button press, answers Slack at once, and hands
 * the press to itself with an asynchronous Invoke (`InvocationType: 'Event'`: Lambda queues the event and
 * answers 202), which then decides the request as the review page would and updates the prompts. Lambda
 * retries a failed asynchronous invocation; the single-use claim makes a retried decision a no-op
 * ("already decided"). The event is never logged: its body is the signed payload.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 * @see https://docs.slack.dev/interactivity/handling-user-interaction
 */
export function slackInteractionsFunction(runtime: FunctionRuntime<'slack-interactions'>) {
  const { env, aws, clock, logger } = runtime;
  const settings = parseSettings(env.settings);
  if (!settings.slack) throw new Error('The slack-interactions function needs approval.slack in the broker settings.');
  const slack = settings.slack;
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const { credentials, chat } = slackClients(slack, runtime);
  const lambda = new LambdaClient(aws);

  const deps = {
    store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
    callbacks: new SfnTaskCallbacks(new SFNClient(aws)),
    mailer: new SesV2Mailer(new SESv2Client(aws)),
    settings,
    clock,
    slack,
    signingSecret: async () => (await credentials.get()).signingSecret,
    replays: new DynamoDbReplayGuard(documents, env.slackPressTable, () => clock.now()),
    chat,
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    handOff: async (press: Parameters<typeof slackHandOff>[0]) => {
      await lambda.send(
        new InvokeCommand({ FunctionName: env.slackInteractionsFunction, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(slackHandOff(press))) }),
      );
    },
  };

  async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2>;
  async function handler(event: unknown): Promise<APIGatewayProxyStructuredResultV2 | undefined>;
  async function handler(event: unknown): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
    logger.appendKeys({ task: 'slack-interactions' });
    // The function's own hand-off (API Gateway's events never carry `kind`): decide, answer nobody.
    const handOff = slackHandOffSchema.safeParse(event);
    if (handOff.success) {
      await decideSlackPress(handOff.data.press, deps, logger);
      return undefined;
    }
    const settling = settlingEventSchema.safeParse(event);
    if (settling.success) {
      await settleRecordedPrompts(settling.data.detail.requestId, deps, logger, settling.data['detail-type']);
      return undefined;
    }
    // Wall time, not the runtime's clock: this measures the answer against Slack's three-second budget.
    const started = Date.now();
    const response = await handleSlackInteraction(event as APIGatewayProxyEventV2, deps, logger);
    logger.info('slack interaction answered', { statusCode: response.statusCode, elapsedMs: Date.now() - started });
    return response;
  }
  return handler;
}
