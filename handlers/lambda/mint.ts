import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { SchedulerResetScheduler } from '../adapters/aws/scheduler-reset-scheduler';
import { SecretsManagerVault } from '../adapters/aws/secrets-manager-vault';
import { StsCredentialIssuer } from '../adapters/aws/sts-credential-issuer';
import { mintGrant, mintGrantInputSchema } from '../use-cases/mint-grant';
import { cryptoRandom, functionEnvironment, logger, parseSettings, systemClock, taskHandler } from './runtime';

const env = functionEnvironment('mint');

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const deps = {
  issuer: new StsCredentialIssuer(new STSClient({})),
  vault: new SecretsManagerVault(new SecretsManagerClient({})),
  scheduler: new SchedulerResetScheduler({
    client: new SchedulerClient({}),
    groupName: env.scheduleGroup,
    resetFunctionArn: env.resetFunctionArn,
    schedulerRoleArn: env.schedulerRoleArn,
  }),
  store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
  leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
  settings: parseSettings(env.settings),
  clock: systemClock,
  random: cryptoRandom,
  partition: env.targetPartition,
};

/** Mint: AssumeRole, schedule the reset, store the grant in the account's secret. */
export const handler = taskHandler('mint', mintGrantInputSchema, async (input) => {
  const grant = await mintGrant(input, deps);
  // The summary holds no secret material; log only its identifiers and times.
  logger.info('grant minted', {
    requestId: grant.requestId,
    grantId: grant.grantId,
    accountId: grant.accountId,
    role: grant.role,
    expiresAt: grant.expiresAt,
  });
  return grant;
});
