import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { registerRequest } from '../use-cases/register-request';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/**
 * Register: validate the request event and store it once. The event is the agent's, not the state
 * machine's: `registerRequest` validates it itself, because a bad request ends in Rejected, not in a fault.
 */
export function registerFunction({ env, aws, clock, logger }: FunctionRuntime<'register'>) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const deps = {
    store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
    leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
    settings: parseSettings(env.settings),
    clock,
  };

  return taskHandler(
    'register',
    z.unknown(),
    async (event) => {
      const result = await registerRequest(event, deps);
      logger.info('request registered', {
        requestId: result.status === 'duplicate' ? result.requestId : result.request.requestId,
        outcome: result.status,
      });
      return result;
    },
    logger,
  );
}
