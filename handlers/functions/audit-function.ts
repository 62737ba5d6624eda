import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { cloudTrailTrailFactory } from '../adapters/aws/cloudtrail-trail';
import { s3DataEventLogFactory } from '../adapters/aws/s3-data-event-log';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { S3ReportStore } from '../adapters/aws/s3-report-store';
import { KmsReportSigner } from '../adapters/aws/kms-report-signer';
import { auditGrant, auditGrantInputSchema } from '../use-cases/audit-grant';
import { planAuditInputSchema, planRequestAudit } from '../use-cases/plan-audit';
import { parseSettings, taskHandler } from '../lambda/runtime';
import type { FunctionRuntime } from './function-runtime';

/** Time kept back from reading CloudTrail to build and write the report before the function times out. */
const WRITE_RESERVE_MS = 120_000;

/** The audit function's input: the `mode` says which of the two use cases it is for. */
const auditTaskInputSchema = z.discriminatedUnion('mode', [
  planAuditInputSchema.extend({ mode: z.literal('plan') }),
  auditGrantInputSchema.extend({ mode: z.literal('poll') }),
]);

/**
 * Audit, in two modes the state machine calls: `plan` starts the audit of a request (which keys, which
 * window, when to poll); `poll` reads CloudTrail once and, when it has settled or the maximum lag has
 * passed, writes the report.
 */
export function auditFunction({ env, aws, clock, logger }: FunctionRuntime<'audit'>) {
  const settings = parseSettings(env.settings);
  const store = new DynamoDbRequestStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient(aws)),
    tableName: env.requestTable,
  });
  const sts = new STSClient(aws);
  const pollDeps = {
    trails: cloudTrailTrailFactory({ sts, partition: env.targetPartition, endpoint: aws.endpoint, requestHandler: aws.requestHandler }),
    dataEvents: s3DataEventLogFactory({ sts, partition: env.targetPartition, endpoint: aws.endpoint, requestHandler: aws.requestHandler }),
    reports: new S3ReportStore(new S3Client(aws), env.auditBucket),
    settings,
    clock,
    signer: new KmsReportSigner(new KMSClient(aws), env.reportSigningKey),
  };

  return taskHandler(
    'audit',
    auditTaskInputSchema,
    async (input, context) => {
      if (input.mode === 'plan') {
        const state = await planRequestAudit(input, { store, settings, clock });
        logger.info('audit planned', { credentials: state.credentials.length, nextPollAt: state.nextPollAt, deadline: state.deadline });
        return state;
      }
      // The invocation's deadline is real time, whatever clock the function dates its work with.
      const stopReadingAt = context ? Date.now() + context.getRemainingTimeInMillis() - WRITE_RESERVE_MS : undefined;
      const state = await auditGrant(input, pollDeps, { stopReadingAt });
      logger.info('audit poll', {
        polls: state.polls,
        quietPolls: state.quietPolls,
        eventCount: state.eventCount,
        done: state.done,
        ...(state.report ? { reportUri: state.report.jsonUri, complete: state.report.complete } : {}),
      });
      return state;
    },
    logger,
  );
}
