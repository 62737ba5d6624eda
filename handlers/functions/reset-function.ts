import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SecretsManagerVault } from '../adapters/aws/secrets-manager-vault';
import { resetGrant, resetTaskInputSchema } from '../use-cases/reset-grant';
import { taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/**
 * Reset: called by the workflow at expiry (and to clean up after a failed mint), by the revoke function,
 * and by the one-time safety-net schedule.
 */
export function resetFunction({ env, aws, logger }: FunctionRuntime<'reset'>) {
  const deps = {
    vault: new SecretsManagerVault(new SecretsManagerClient(aws)),
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
  };

  return taskHandler(
    'reset',
    resetTaskInputSchema,
    async (input) => {
      const result = await resetGrant(input, deps);
      logger.info('reset finished', { requestId: input.requestId, accountId: input.accountId, outcome: result.outcome, scheduled: input.mode === 'scheduled' });
      return result;
    },
    logger,
  );
}
