import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { SfnTaskCallbacks } from '../adapters/aws/sfn-task-callbacks';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { handleReviewHttp } from '../http/review-routes';
import { parseSettings } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/**
 * The approval endpoint behind the HTTP API: the review page (GET) and the decision (POST). The event
 * is never logged: its query string and body carry the link's capability.
 */
export function approvalWebFunction({ env, aws, clock, logger }: FunctionRuntime<'approval-web'>) {
  const deps = {
    store: new DynamoDbRequestStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)),
      tableName: env.requestTable,
    }),
    callbacks: new SfnTaskCallbacks(new SFNClient(aws)),
    mailer: new SesV2Mailer(new SESv2Client(aws)),
    settings: parseSettings(env.settings),
    clock,
  };

  return async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    logger.appendKeys({ task: 'approval-web' });
    return handleReviewHttp(event, deps, logger);
  };
}
