import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccessAnalyzerPolicyProver } from '../adapters/aws/access-analyzer-policy-prover';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { requestApproval, requestApprovalInputSchema } from '../use-cases/request-approval';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';
import { slackClients } from './slack-clients';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnTaskCallbacks } from '../adapters/aws/sfn-task-callbacks';

/** AwaitApproval (.waitForTaskToken): store the token, email the approver, wait. */
export function requestApprovalFunction(runtime: FunctionRuntime<'request-approval'>) {
  const { env, aws, clock, random, logger, accessAnalyzer = true } = runtime;
  const settings = parseSettings(env.settings);
  const deps = {
    store: new DynamoDbRequestStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)),
      tableName: env.requestTable,
    }),
    mailer: new SesV2Mailer(new SESv2Client(aws)),
    publisher: new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName),
    settings,
    clock,
    random,
    reviewBaseUrl: env.reviewBaseUrl,
    // The approvers see what Access Analyzer answers about the session policy as requested; where it cannot
    // answer, or is not there to ask (the sandbox), every check is "not proven".
    ...(accessAnalyzer ? { prover: new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ ...aws, maxAttempts: 2 })) } : {}),
    ...(settings.slack ? { chat: slackClients(settings.slack, runtime).chat } : {}),
    // Only with rules that approve without a human; the role may answer the task then (infra/broker-stack.ts).
    ...(settings.approvalRules ? { callbacks: new SfnTaskCallbacks(new SFNClient(aws)) } : {}),
  };

  return taskHandler(
    'request-approval',
    requestApprovalInputSchema,
    async (input) => {
      const result = await requestApproval(input, deps);
      logger.info(result.approvedBy ? 'approved by rule' : 'approval requested', { requestId: result.requestId, approvalDeadline: result.approvalDeadline, approvedBy: result.approvedBy });
      const { chat, approvedBy: _approvedBy, ...output } = result;
      if (chat && 'failed' in chat) logger.error('slack prompt not posted; the emails went out', { requestId: result.requestId, error: chat.failed as Error });
      if (chat && 'posted' in chat) logger.info('slack prompt posted', { requestId: result.requestId, messages: chat.posted.length });
      return output;
    },
    logger,
  );
}
