import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { auditReportSchema } from '../../handlers/core/audit-report';
import { deliveryStamp, regionFolder } from '../../handlers/core/data-event-trail';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation, useHarnessConfig } from '../helpers/elevation-harness';
import { exampleConfig } from '../helpers/synth';

/**
 * Data events in the workflow (docs/audit.md#data-events): the synthesized state machine with the real audit
 * function reads the grant's data events from the account's trail log files in S3 (over the S3 fake), next to
 * LookupEvents, and waits for a log file delivered while it polls.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const TRAIL_BUCKET = 'org-trail-logs';
const loaded = exampleConfig();
useHarnessConfig({
  ...loaded,
  config: { ...loaded.config, accounts: loaded.config.accounts.map((a) => (a.id === PROD ? { ...a, dataEventTrail: { bucket: TRAIL_BUCKET, prefix: 'trails' } } : a)) },
});

const REQUEST_ID = 'req-data-0001';
const sfn = new SFNClient({ region: 'eu-west-1' });
const approval = () => JSON.stringify({ role: 'Ops', minutes: 5, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
const detail = { requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Fetch the stuck invoice', plannedActions: ['s3:GetObject'] };

describe('Workflow: data events from the trail log files (synthesized, run locally in virtual time)', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  /** Delivers a log file now holding one S3 data event of the key, made at `time`. */
  function deliverLogFile(accessKeyId: string, id: string, eventName: string, time: Date): void {
    const at = aws.clock.now();
    const day = `${at.getUTCFullYear()}/${String(at.getUTCMonth() + 1).padStart(2, '0')}/${String(at.getUTCDate()).padStart(2, '0')}/`;
    const key = `${regionFolder('trails', PROD, 'eu-west-1')}${day}${PROD}_CloudTrail_eu-west-1_${deliveryStamp(at)}_${id.replace(/[^A-Za-z0-9]/g, '').padEnd(16, 'x').slice(0, 16)}.json.gz`;
    const record = {
      eventVersion: '1.11',
      eventID: id,
      eventTime: `${time.toISOString().slice(0, 19)}Z`,
      eventSource: 's3.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      eventCategory: 'Data',
      managementEvent: false,
      readOnly: eventName.startsWith('Get'),
      userIdentity: { type: 'AssumedRole', accessKeyId },
      resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::payments-invoices/invoices/1.txt' }],
    };
    aws.s3.deliver(TRAIL_BUCKET, key, gzipSync(JSON.stringify({ Records: [record] })));
  }

  it('lists the data events in the report, waits for a late log file, and lists only the trail folders of the audited regions', async () => {
    // Prepare: one data event delivered during the grant, another delivered only at the second poll.
    let polls = 0;
    const options = {
      beforeTask: (state: string) => {
        if (state === STATE.notifyGranted) deliverLogFile(aws.minted[0].accessKeyId, 'get-1', 'GetObject', aws.clock.now());
        if (state === STATE.collectTrail && ++polls === 2) deliverLogFile(aws.minted[0].accessKeyId, 'put-late', 'PutObject', new Date(Date.parse(String((aws.table.items.get(REQUEST_ID)?.grant as { grantedAt: string }).grantedAt)) + 60_000));
      },
    };

    // Act
    const run = runElevation(aws, requestEvent(detail), options);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await pendingTaskToken(aws, REQUEST_ID), output: approval() }));
    const result = await run;

    // Assess: the audit settled only after the late file (polls 1, 2 new, 3, 4).
    expect(result.finalState).toBe(STATE.audited);
    expect(polls).toBe(4);
    const audited = aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail ?? {};
    const report = auditReportSchema.parse(JSON.parse(aws.s3.latest(String(audited.reportUri))?.body ?? '{}'));
    expect(report.actions.map((a) => [a.eventId, a.category, a.iamAction])).toEqual([
      ['get-1', 'data', 's3:GetObject'],
      ['put-late', 'data', 's3:PutObject'],
    ]);
    expect(report.actions[1].flags).toEqual(expect.arrayContaining(['mutating', 'unplanned']));
    expect(report.plan.planned).toEqual([{ text: 's3:GetObject', checkable: true, calls: 1 }]);
    expect(report.coverage?.read).toEqual(['management', 'data']);
    expect(report.collection).toMatchObject({ complete: true, dataEvents: [expect.objectContaining({ region: 'eu-west-1', events: 2, complete: true }), expect.objectContaining({ region: 'us-east-1', events: 0, complete: true })] });
    expect(audited).toMatchObject({ complete: true, eventCount: 2, summary: { unplannedMutating: 1 } });
    // Every listing named a day folder of the account's trail in an audited region.
    const prefixes = aws.s3.mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input).filter((i) => i.Bucket === TRAIL_BUCKET).map((i) => i.Prefix ?? '');
    expect(prefixes.length).toBeGreaterThan(0);
    for (const prefix of prefixes) expect(prefix).toMatch(new RegExp(`^trails/AWSLogs/${PROD}/CloudTrail/(eu-west-1|us-east-1)/\\d{4}/\\d{2}/\\d{2}/$`));
  }, 120_000);
});
