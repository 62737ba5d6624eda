import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { requestApproval, requestApprovalInputSchema } from '../use-cases/request-approval';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/** AwaitApproval (.waitForTaskToken): store the token, email the approver, wait. */
export function requestApprovalFunction({ env, aws, clock, random, logger }: FunctionRuntime<'request-approval'>) {
  const deps = {
    store: new DynamoDbRequestStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)),
      tableName: env.requestTable,
    }),
    mailer: new SesV2Mailer(new SESv2Client(aws)),
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    settings: parseSettings(env.settings),
    clock,
    random,
    reviewBaseUrl: env.reviewBaseUrl,
  };

  return taskHandler(
    'request-approval',
    requestApprovalInputSchema,
    async (input) => {
      const result = await requestApproval(input, deps);
      logger.info('approval requested', { requestId: result.requestId, approvalDeadline: result.approvalDeadline });
      return result;
    },
    logger,
  );
}
