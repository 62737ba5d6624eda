import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestQuotas } from '../adapters/aws/dynamodb-request-quotas';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { registerInputSchema, registerRequest } from '../use-cases/register-request';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/**
 * Register: validate the request event and store it once. The envelope (event and execution id) is the
 * state machine's; the event inside is the agent's: `registerRequest` validates it itself, because a bad
 * request ends in Rejected, not in a fault.
 */
export function registerFunction({ env, aws, clock, logger }: FunctionRuntime<'register'>) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const deps = {
    store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
    leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
    quotas: new DynamoDbRequestQuotas({ client: documents, tableName: env.requestTable }),
    settings: parseSettings(env.settings),
    clock,
  };

  return taskHandler(
    'register',
    registerInputSchema,
    async (input) => {
      const result = await registerRequest(input, deps);
      logger.info('request registered', {
        requestId:
          result.status === 'registered' || result.status === 'refused' || result.status === 'rate-limited' || result.status === 'extension'
            ? result.request.requestId
            : result.status === 'conflict'
              ? result.refused.requestId
              : result.requestId,
        outcome: result.status,
      });
      return result;
    },
    logger,
  );
}
