import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbReplayGuard } from '../adapters/aws/dynamodb-replay-guard';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SfnTaskCallbacks } from '../adapters/aws/sfn-task-callbacks';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { handleSlackInteraction } from '../http/slack-routes';
import { parseSettings } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';
import { slackClients } from './slack-clients';

/**
 * Slack's interactivity request URL: verifies the signed button press and decides the request as the
 * review page would. The event is never logged: its body is the signed payload.
 */
export function slackInteractionsFunction(runtime: FunctionRuntime<'slack-interactions'>) {
  const { env, aws, clock, logger } = runtime;
  const settings = parseSettings(env.settings);
  if (!settings.slack) throw new Error('The slack-interactions function needs approval.slack in the broker settings.');
  const slack = settings.slack;
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const { credentials, chat } = slackClients(slack, runtime);

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
  };

  return async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    logger.appendKeys({ task: 'slack-interactions' });
    // Wall time, not the runtime's clock: this measures the answer against Slack's three-second budget.
    const started = Date.now();
    const response = await handleSlackInteraction(event, deps, logger);
    logger.info('slack interaction answered', { statusCode: response.statusCode, elapsedMs: Date.now() - started });
    return response;
  };
}
