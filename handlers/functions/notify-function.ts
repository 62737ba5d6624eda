import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { notifyInputSchema, notifyOutcome } from '../use-cases/notify-outcome';
import { taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/** Notify: record the outcome on the request and publish its broker event. */
export function notifyFunction({ env, aws, clock, logger }: FunctionRuntime<'notify'>) {
  const deps = {
    store: new DynamoDbRequestStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)),
      tableName: env.requestTable,
    }),
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    clock,
  };

  return taskHandler(
    'notify',
    notifyInputSchema,
    async (input) => {
      const result = await notifyOutcome(input, deps);
      logger.info('outcome published', { outcome: result.published });
      return result;
    },
    logger,
  );
}
