import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { notifyInputSchema, notifyOutcome } from '../use-cases/notify-outcome';
import { functionEnvironment, logger, systemClock, taskHandler } from './runtime';

const env = functionEnvironment('notify');

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const deps = {
  store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
  leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
  publisher: new EventBridgePublisher(new EventBridgeClient({}), env.eventBusName),
  clock: systemClock,
};

/** Notify: record the outcome on the request and publish its broker event. */
export const handler = taskHandler('notify', notifyInputSchema, async (input) => {
  const result = await notifyOutcome(input, deps);
  logger.info('outcome published', { outcome: result.published });
  return result;
});
