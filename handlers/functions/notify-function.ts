import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestQuotas } from '../adapters/aws/dynamodb-request-quotas';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { notifyInputSchema, notifyOutcome } from '../use-cases/notify-outcome';
import { notifyExpiring, notifyExpiringInputSchema, planExpiryNotice, planNoticeInputSchema } from '../use-cases/notify-expiring';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/**
 * The notify function's tasks: the `Notify*` outcomes, and the notice before a grant expires: when it is
 * due (`PlanNotice`, `mode: plan-notice`) and sending it (`NotifyExpiring`, `mode: expiring`).
 */
const notifyTaskInputSchema = z.union([planNoticeInputSchema, notifyExpiringInputSchema, notifyInputSchema]);

/** Notify: record the outcome on the request and publish its broker event. */
export function notifyFunction({ env, aws, clock, logger }: FunctionRuntime<'notify'>) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const settings = parseSettings(env.settings);
  const deps = {
    store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
    leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
    quotas: new DynamoDbRequestQuotas({ client: documents, tableName: env.requestTable }),
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    mailer: new SesV2Mailer(new SESv2Client(aws)),
    settings,
    clock,
  };

  return taskHandler(
    'notify',
    notifyTaskInputSchema,
    async (input) => {
      if ('mode' in input && input.mode === 'plan-notice') {
        const plan = planExpiryNotice(input, deps);
        logger.info('expiry notice planned', { requestId: input.grant.requestId, grantId: input.grant.grantId, ...(plan.due ? { at: plan.at } : { skipped: plan.why }) });
        return plan;
      }
      if ('mode' in input && input.mode === 'expiring') {
        const sent = await notifyExpiring(input, deps);
        logger.info('expiry notice', { requestId: input.request.requestId, grantId: input.grantId, ...sent });
        return sent;
      }
      const result = await notifyOutcome(input, deps);
      logger.info('outcome published', { outcome: result.published });
      return result;
    },
    logger,
  );
}
