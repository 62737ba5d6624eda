import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SfnTaskCallbacks } from '../adapters/aws/sfn-task-callbacks';
import { parseSettings } from '../lambda/runtime';
import { reconcileDecisions } from '../use-cases/reconcile-decisions';
import type { FunctionRuntime } from './function-runtime';

/**
 * The decision reconciler: run once a minute by an EventBridge Scheduler schedule, it delivers claimed
 * decisions whose delivery was interrupted, or ends them FAILED when nothing waits for them any more
 * (`handlers/use-cases/reconcile-decisions.ts`). The schedule's input is ignored.
 */
export function reconcileFunction({ env, aws, clock, logger }: FunctionRuntime<'reconcile'>) {
  const deps = {
    store: new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)), tableName: env.requestTable }),
    callbacks: new SfnTaskCallbacks(new SFNClient(aws)),
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    settings: parseSettings(env.settings),
    clock,
  };

  return async function handler(): Promise<{ delivered: number; failed: number; deferred: number }> {
    logger.appendKeys({ task: 'reconcile' });
    const report = await reconcileDecisions(deps);
    if (report.delivered.length + report.failed.length + report.deferred.length > 0) logger.info('stranded decisions reconciled', { ...report });
    return { delivered: report.delivered.length, failed: report.failed.length, deferred: report.deferred.length };
  };
}
