import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { LambdaRevoker } from '../adapters/aws/lambda-revoker';
import { SfnTaskCallbacks } from '../adapters/aws/sfn-task-callbacks';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { APPROVER_ROUTE_PREFIX, type ApproverRouteDeps, handleApproverHttp } from '../http/approver-routes';
import { handleReviewHttp } from '../http/review-routes';
import { parseSettings } from '../lambda/runtime';
import { slackClients } from './slack-clients';
import type { FunctionRuntime } from './function-runtime';

/**
 * The approval endpoint behind the HTTP API: the review page (GET) and the decision (POST) of the
 * emailed links, and the IAM-authorized approver routes under `/approvals` (the `jit` CLI). The event is
 * never logged: the review link's query string and body carry its capability.
 */
export function approvalWebFunction(runtime: FunctionRuntime<'approval-web'>) {
  const { env, aws, clock, logger } = runtime;
  const settings = parseSettings(env.settings);
  const revoker = new LambdaRevoker(new LambdaClient(aws), env.revokeFunctionName);
  const deps: ApproverRouteDeps = {
    store: new DynamoDbRequestStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)),
      tableName: env.requestTable,
    }),
    callbacks: new SfnTaskCallbacks(new SFNClient(aws)),
    mailer: new SesV2Mailer(new SESv2Client(aws)),
    settings,
    clock,
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    revoke: (input) => revoker.revoke(input),
    // Break-glass alerts reach Slack too (the stack lets this function read the Slack secret then).
    ...(settings.slack ? { chatAlerts: slackClients(settings.slack, runtime).chat } : {}),
  };

  return async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    logger.appendKeys({ task: 'approval-web' });
    if (event.rawPath === APPROVER_ROUTE_PREFIX || event.rawPath.startsWith(`${APPROVER_ROUTE_PREFIX}/`)) {
      return handleApproverHttp(event, deps, logger);
    }
    return handleReviewHttp(event, deps, logger);
  };
}
