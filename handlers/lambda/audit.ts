import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { cloudTrailTrailFactory } from '../adapters/aws/cloudtrail-trail';
import { S3ReportStore } from '../adapters/aws/s3-report-store';
import { auditGrant } from '../use-cases/audit-grant';
import { logger, requireEnv, settingsFromEnv, systemClock, taskHandler } from './runtime';

const deps = {
  trails: cloudTrailTrailFactory({ sts: new STSClient({}), partition: requireEnv('TARGET_PARTITION') }),
  reports: new S3ReportStore(new S3Client({}), requireEnv('AUDIT_BUCKET')),
  settings: settingsFromEnv(),
  clock: systemClock,
};

/** Audit: read the grant's CloudTrail events in the target account and write the report. */
export const handler = taskHandler('audit', async (event) => {
  const report = await auditGrant(event, deps);
  logger.info('audit written', { reportUri: report.jsonUri, eventCount: report.eventCount, complete: report.complete });
  return report;
});
