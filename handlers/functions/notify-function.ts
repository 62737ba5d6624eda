import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestQuotas } from '../adapters/aws/dynamodb-request-quotas';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { notifyInputSchema, notifyOutcome } from '../use-cases/notify-outcome';
import { taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/** Notify: record the outcome on the request and publish its broker event. */
export function notifyFunction({ env, aws, clock, logger }: FunctionRuntime<'notify'>) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const deps = {
    store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
    leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
    quotas: new DynamoDbRequestQuotas({ client: documents, tableName: env.requestTable }),
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
