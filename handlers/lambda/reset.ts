import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SecretsManagerVault } from '../adapters/aws/secrets-manager-vault';
import { resetGrant } from '../use-cases/reset-grant';
import { functionEnvironment, logger, taskHandler } from './runtime';

const env = functionEnvironment('reset');
const vault = new SecretsManagerVault(new SecretsManagerClient({}));
const publisher = new EventBridgePublisher(new EventBridgeClient({}), env.eventBusName);

interface ScheduledInput {
  source?: unknown;
  requestId?: unknown;
  accountId?: unknown;
  grantId?: unknown;
}

/**
 * Reset: called by the workflow at expiry (and to clean up after a failed mint), and by the one-time
 * safety-net schedule. When the schedule is the one that actually resets a grant, the workflow did not
 * get there, so this function publishes `Elevation Ended` itself.
 */
export const handler = taskHandler('reset', async (event) => {
  const scheduled = (event as ScheduledInput | null)?.source === 'jit.reset-schedule';
  const input = scheduled ? { ...(event as ScheduledInput), source: undefined, mode: 'scheduled' } : event;
  const result = await resetGrant(input, { vault });
  const { requestId, accountId } = input as { requestId: string; accountId: string };
  logger.info('reset finished', { requestId, accountId, outcome: result.outcome, scheduled });
  if (scheduled && result.outcome === 'reset') {
    await publisher.publish({ outcome: 'Ended', detail: { requestId, account: accountId, endedBy: 'safety-net schedule' } });
  }
  return result;
});
