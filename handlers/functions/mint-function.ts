import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccessAnalyzerPolicyProver } from '../adapters/aws/access-analyzer-policy-prover';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { SchedulerResetScheduler } from '../adapters/aws/scheduler-reset-scheduler';
import { SecretsManagerVault } from '../adapters/aws/secrets-manager-vault';
import { StsCredentialIssuer } from '../adapters/aws/sts-credential-issuer';
import { z } from 'zod';
import { mintGrant, mintGrantInputSchema } from '../use-cases/mint-grant';
import { followExtension, followExtensionInputSchema, mintExtension, mintExtensionInputSchema } from '../use-cases/mint-extension';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/**
 * The mint function's tasks: a grant (`Mint`), an extension's set (`MintExtension`, `mode: extend`), and
 * which set of a live request the secret holds (`FollowExtension`, `mode: follow`).
 */
const mintTaskInputSchema = z.union([mintExtensionInputSchema, followExtensionInputSchema, mintGrantInputSchema]);

/** Mint: AssumeRole, schedule the reset, store the grant in the account's secret. */
export function mintFunction({ env, aws, clock, random, logger, accessAnalyzer = true }: FunctionRuntime<'mint'>) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const deps = {
    issuer: new StsCredentialIssuer(new STSClient(aws)),
    vault: new SecretsManagerVault(new SecretsManagerClient(aws)),
    scheduler: new SchedulerResetScheduler({
      client: new SchedulerClient(aws),
      groupName: env.scheduleGroup,
      resetFunctionArn: env.resetFunctionArn,
      schedulerRoleArn: env.schedulerRoleArn,
    }),
    store: new DynamoDbRequestStore({ client: documents, tableName: env.requestTable }),
    leases: new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable }),
    settings: parseSettings(env.settings),
    clock,
    random,
    partition: env.targetPartition,
    // Where Access Analyzer cannot answer, or is not there to ask (the sandbox), every proof is "not proven".
    ...(accessAnalyzer ? { prover: new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ ...aws, maxAttempts: 2 })) } : {}),
  };

  return taskHandler(
    'mint',
    mintTaskInputSchema,
    async (input) => {
      if ('mode' in input && input.mode === 'follow') {
        const followed = await followExtension(input, deps);
        logger.info('grant followed', { requestId: followed.grant.requestId, grantId: followed.grant.grantId, extended: followed.extended });
        return followed;
      }
      const grant = 'mode' in input && input.mode === 'extend' ? await mintExtension(input, deps) : await mintGrant(input, deps);
      // The summary holds no secret material; log only its identifiers and times.
      logger.info('grant minted', {
        requestId: grant.requestId,
        grantId: grant.grantId,
        accountId: grant.accountId,
        role: grant.role,
        expiresAt: grant.expiresAt,
        proofs: grant.proofs?.verdict,
      });
      return grant;
    },
    logger,
  );
}
