import { renderAuditMarkdown } from '../../../handlers/core/audit-markdown';
import { auditReportSchema, buildAuditReport, serializeAuditReport, type AuditReportInput } from '../../../handlers/core/audit-report';
import { EXPIRES_AT, KEY, call, collection, credential, decision } from '../../helpers/audit-fixtures';
import { AUDIT_REQUEST, elevationRequest } from '../../helpers/fixtures';

function report(overrides: Partial<AuditReportInput> = {}) {
  return buildAuditReport({
    request: elevationRequest(AUDIT_REQUEST),
    decision: decision(),
    credentials: [credential()],
    events: [],
    collection: collection(),
    generatedAt: '2026-11-28T10:42:00Z',
    ...overrides,
  });
}

const markdownOf = (r: ReturnType<typeof report>) => renderAuditMarkdown(r, { jsonSha256: 'a'.repeat(64), jsonUri: 's3://audit/reports/x.json' });

function sectionOf(markdown: string, title: string): string {
  const start = markdown.indexOf(`## ${title}`);
  const end = markdown.indexOf('\n## ', start + 3);
  return markdown.slice(start, end === -1 ? undefined : end);
}

describe('buildAuditReport', () => {
  it('flags AccessDenied attempts as attempted overreach', () => {
    // Prepare
    const denied = call(5, 'DeleteTrail', 'cloudtrail.amazonaws.com', { readOnly: false, errorCode: 'AccessDenied', errorMessage: 'not authorized' });
    const ec2Denied = call(6, 'RunInstances', 'ec2.amazonaws.com', { readOnly: false, errorCode: 'Client.UnauthorizedOperation' });
    const fine = call(7, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false });

    // Act
    const r = report({ events: [denied, ec2Denied, fine] });

    // Assess
    expect(r.summary).toMatchObject({ total: 3, accessDenied: 2, errors: 2 });
    expect(r.actions.filter((a) => a.flags.includes('access-denied')).map((a) => a.action)).toEqual(['DeleteTrail', 'RunInstances']);
    expect(r.actions.find((a) => a.action === 'UpdateService')?.flags).not.toContain('access-denied');
    const overreach = sectionOf(markdownOf(r), 'Attempted overreach (AccessDenied)');
    expect(overreach).toContain('DeleteTrail');
    expect(overreach).toContain('AccessDenied: not authorized');
    expect(overreach).not.toContain('UpdateService');
  });

  it('compares the planned actions with what was done', () => {
    const r = report({
      request: elevationRequest(AUDIT_REQUEST, { plannedActions: ['ecs:UpdateService', 'ecs:Describe*', 'logs:StartQuery', 'check the dashboards'] }),
      events: [
        call(1, 'DescribeServices', 'ecs.amazonaws.com'),
        call(2, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false }),
        call(3, 'PutBucketPolicy', 's3.amazonaws.com', { readOnly: false }),
        call(4, 'GetMetricData', 'monitoring.amazonaws.com'),
      ],
    });

    expect(r.plan.planned).toEqual([
      { text: 'ecs:UpdateService', checkable: true, calls: 1 },
      { text: 'ecs:Describe*', checkable: true, calls: 1 },
      { text: 'logs:StartQuery', checkable: true, calls: 0 },
      { text: 'check the dashboards', checkable: false, calls: 0 },
    ]);
    expect(r.plan.unplanned).toEqual([
      { iamAction: 's3:PutBucketPolicy', calls: 1, mutating: true },
      { iamAction: 'cloudwatch:GetMetricData', calls: 1, mutating: false },
    ]);
    expect(r.summary.unplannedMutating).toBe(1);
    expect(r.actions.find((a) => a.action === 'PutBucketPolicy')?.flags).toContain('unplanned');
    const planned = sectionOf(markdownOf(r), 'Planned versus actual');
    expect(planned).toContain('logs:StartQuery: **not done**');
    expect(planned).toContain('check the dashboards: free text, not compared');
    expect(planned).toContain('s3:PutBucketPolicy (1 calls)');
  });

  it('does not call anything unplanned when the request named no actions', () => {
    const r = report({ request: elevationRequest(AUDIT_REQUEST, { plannedActions: [] }), events: [call(2, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false })] });

    expect(r.plan).toEqual({ given: false, planned: [], unplanned: [] });
    expect(r.summary.unplannedMutating).toBe(0);
    expect(markdownOf(r)).toContain('The request named no planned actions.');
  });

  it('records what the approver changed from the request', () => {
    const r = report({ decision: decision({ role: 'Ops', minutes: 30, note: 'Ops is enough' }) });

    expect(r.approval?.changes).toEqual([
      { field: 'role', requested: 'Deploy', approved: 'Ops' },
      { field: 'minutes', requested: '45', approved: '30' },
    ]);
    const md = markdownOf(r);
    expect(md).toContain('| Approver changed | role Deploy → Ops; minutes 45 → 30 |');
    expect(md).toContain("| Approver's note | Ops is enough |");
  });

  it('calls out IAM, security-group and credential changes, refused ones included', () => {
    const r = report({
      events: [
        call(1, 'AttachRolePolicy', 'iam.amazonaws.com', { readOnly: false, awsRegion: 'us-east-1', resources: [{ name: 'app-role' }] }),
        call(2, 'AuthorizeSecurityGroupIngress', 'ec2.amazonaws.com', { readOnly: false, resources: [{ name: 'sg-0123' }] }),
        call(3, 'CreateAccessKey', 'iam.amazonaws.com', { readOnly: false, errorCode: 'AccessDenied' }),
        call(4, 'GetRole', 'iam.amazonaws.com'),
        call(5, 'DescribeSecurityGroups', 'ec2.amazonaws.com'),
      ],
    });

    expect(r.summary).toMatchObject({ iamChanges: 1, securityGroupChanges: 1, credentialChanges: 1 });
    const flagged = (flag: string) => r.actions.filter((a) => a.flags.includes(flag as never)).map((a) => a.action);
    expect(flagged('iam-change')).toEqual(['AttachRolePolicy']);
    expect(flagged('security-group-change')).toEqual(['AuthorizeSecurityGroupIngress']);
    expect(flagged('credential-change')).toEqual(['CreateAccessKey']);
    const callouts = sectionOf(markdownOf(r), 'IAM, security-group and credential changes');
    expect(callouts).toContain('AttachRolePolicy');
    expect(callouts).toContain('sg-0123');
    expect(callouts).not.toContain('GetRole');
    expect(callouts).not.toContain('DescribeSecurityGroups');
  });

  it('lists mutating calls first in the Markdown, before every call', () => {
    const r = report({ events: [call(1, 'DescribeServices', 'ecs.amazonaws.com'), call(2, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false })] });
    const md = markdownOf(r);

    const changes = sectionOf(md, 'Changes (mutating calls that succeeded)');
    expect(changes).toContain('UpdateService');
    expect(changes).not.toContain('DescribeServices');
    expect(md.indexOf('## Changes (mutating calls that succeeded)')).toBeLessThan(md.indexOf('## All calls'));
    expect(md.indexOf('## Changes (mutating calls that succeeded)')).toBeLessThan(md.indexOf('## Attempted overreach'));
  });

  it('treats a call CloudTrail did not classify as read-only or not like a change', () => {
    const r = report({ events: [call(1, 'DoSomething', 'new-service.amazonaws.com', { readOnly: undefined })] });

    expect(r.actions[0]).toMatchObject({ readOnly: null, flags: expect.arrayContaining(['read-only-unknown', 'unplanned']) });
    expect(sectionOf(markdownOf(r), 'Changes (mutating calls that succeeded)')).toContain('DoSomething');
  });

  it('calls a refused call an attempt, never a mutating call or a change', () => {
    const r = report({
      events: [call(1, 'CreateAccessKey', 'iam.amazonaws.com', { readOnly: false, errorCode: 'AccessDenied', errorMessage: 'explicit deny' }), call(2, 'GetCallerIdentity', 'sts.amazonaws.com')],
    });
    const md = markdownOf(r);

    expect(md).toContain('**2** calls: **0** changes (mutating calls that succeeded), **1** refused (attempted overreach, 1 of them at IAM, security groups or credentials)');
    expect(md).toContain('**0** IAM, **0** security-group and **0** credential changes');
    expect(md).not.toMatch(/\*\*1\*\* (mutating|credential change)/);
    expect(sectionOf(md, 'Changes (mutating calls that succeeded)')).not.toContain('CreateAccessKey');
    expect(sectionOf(md, 'IAM, security-group and credential changes')).not.toContain('CreateAccessKey');
    expect(sectionOf(md, 'Attempted overreach (AccessDenied)')).toContain('CreateAccessKey');
  });

  it('says nothing about unplanned changes when the request had no plan', () => {
    const md = markdownOf(report({ request: elevationRequest(AUDIT_REQUEST, { plannedActions: [] }), events: [call(1, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false })] }));
    expect(md).toContain('**1** change (mutating calls that succeeded)');
    expect(md).not.toContain('unplanned');
    expect(md).toContain('The request named no planned actions.');
  });

  it('describes an empty session plainly', () => {
    const r = report({ events: [] });

    expect(r.summary).toMatchObject({ total: 0, mutating: 0, accessDenied: 0, firstCallAt: null, lastCallAt: null });
    expect(r.grant).toMatchObject({ minutesUsed: null, endedBy: 'expiry' });
    expect(r.outcome).toBe('ended');
    const md = markdownOf(r);
    expect(md).toContain('No calls were recorded for these credentials.');
    expect(md).toContain('| Time used | no calls |');
  });

  it('reports a revoked grant: when, by whom, and every call after it', () => {
    const revokedAt = '2026-11-28T10:10:00Z';
    const r = report({
      revocation: { revokedAt, revokedBy: 'security-lead@example.com', revokeReason: 'Unexpected IAM calls' },
      events: [call(5, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false }), call(12, 'DeleteService', 'ecs.amazonaws.com', { readOnly: false, errorCode: 'AccessDenied' })],
    });

    expect(r.outcome).toBe('revoked');
    expect(r.revocation).toEqual({ revokedAt, revokedBy: 'security-lead@example.com', reason: 'Unexpected IAM calls' });
    expect(r.grant).toMatchObject({ endedAt: revokedAt, endedBy: 'revoke', expiresAt: EXPIRES_AT });
    expect(r.summary.afterRevoke).toBe(1);
    expect(r.actions.find((a) => a.action === 'DeleteService')?.flags).toContain('after-revoke');
    const md = markdownOf(r);
    expect(md).toContain(`| Revoked | ${revokedAt} by security-lead@example.com: Unexpected IAM calls |`);
    expect(sectionOf(md, 'Calls after the revoke')).toContain('DeleteService');
  });

  it('flags calls made after the approved expiry', () => {
    const r = report({ events: [call(29, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false }), call(31, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false, errorCode: 'AccessDenied' })] });

    expect(r.actions.map((a) => a.flags.includes('after-expiry'))).toEqual([false, true]);
    expect(r.summary.afterExpiry).toBe(1);
  });

  it('merges regions: de-duplicated by event id, oldest first', () => {
    const iam = call(3, 'CreateRole', 'iam.amazonaws.com', { readOnly: false, awsRegion: 'us-east-1' });
    const ecs = call(1, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false });
    const r = report({ events: [iam, ecs, { ...iam }, { ...ecs }] });

    expect(r.actions.map((a) => a.eventId)).toEqual([ecs.eventId, iam.eventId]);
    expect(r.summary.total).toBe(2);
  });

  it('covers every issued key and says which were never delivered', () => {
    const failed = credential({ accessKeyId: 'ASIAFAILEDATTEMPT001', delivered: false, grantId: 'req-audit-0001-fedcba9876543210fedcba98' });
    const r = report({ credentials: [failed, credential()], events: [call(1, 'ListBuckets', 's3.amazonaws.com', { accessKeyId: 'ASIAFAILEDATTEMPT001' })] });

    expect(r.credentials.map((c) => [c.accessKeyId, c.delivered])).toEqual([
      ['ASIAFAILEDATTEMPT001', false],
      [KEY, true],
    ]);
    expect(r.actions[0].accessKeyId).toBe('ASIAFAILEDATTEMPT001');
    expect(markdownOf(r)).toContain('ASIAFAILEDATTEMPT001 (not delivered: mint failed)');
  });

  it('reports a failed mint that had issued credentials', () => {
    const r = report({ credentials: [credential({ delivered: false })] });

    expect(r.outcome).toBe('mint-failed');
    expect(r.grant).toBeNull();
    expect(markdownOf(r)).toContain('**The grant failed**');
  });

  it('states on top when the report is incomplete, and why', () => {
    const r = report({ collection: collection({ complete: false, reason: 'The maximum lag of 30 min passed before the trail settled.' }) });

    expect(markdownOf(r).split('\n')[2]).toBe('> **INCOMPLETE REPORT.** The maximum lag of 30 min passed before the trail settled.');
  });

  it('says plainly what it cannot see: data events, other regions, other credentials', () => {
    // Act
    const r = report();

    // Assess
    expect(r.coverage?.read).toEqual(['management']);
    expect(r.coverage?.notCovered).toEqual([
      expect.stringMatching(/^Data events \(S3 object reads and writes .*LookupEvents returns management events only/),
      expect.stringMatching(/^Calls in regions other than eu-west-1, us-east-1: the grant's session policy refuses them \(region fence/),
      expect.stringMatching(/^Calls made with other credentials/),
    ]);
    const markdown = markdownOf(r);
    expect(markdown).toMatch(/\| Complete \| yes: .* \(management events; see What this report cannot see\) \|/);
    expect(sectionOf(markdown, 'What this report cannot see')).toContain('- Data events (S3 object reads and writes');
  });

  it('validates against its own published schema', () => {
    const r = report({ events: [call(1, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false, errorMessage: 'x'.repeat(2000) })] });

    expect(auditReportSchema.parse(JSON.parse(serializeAuditReport(r)))).toEqual(r);
    expect(r.actions[0].errorMessage?.length).toBeLessThanOrEqual(512);
  });
});

describe('renderAuditMarkdown', () => {
  it('escapes requester and CloudTrail text so it cannot forge rows, links or HTML', () => {
    const r = report({
      request: elevationRequest(AUDIT_REQUEST, { reason: 'fix | Approved by | ceo@example.com |\n| Complete | yes', requester: '<img src=x onerror=alert(1)>' }),
      events: [call(1, 'UpdateService', 'ecs.amazonaws.com', { readOnly: false, resources: [{ name: '[click](https://evil.example)' }] })],
    });

    const md = markdownOf(r);
    const reasonLine = md.split('\n').find((l) => l.startsWith('| Reason |')) ?? '';
    expect(reasonLine.split(/(?<!\\)\|/).length).toBe(4);
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(md).not.toContain('[click](');
  });

  it('names the JSON report and its digest, and how to check it', () => {
    const md = renderAuditMarkdown(report(), { jsonSha256: 'b'.repeat(64), jsonUri: 's3://audit/reports/222222222222/2026/11/req-audit-0001.json' });

    expect(md).toContain(`    ${'b'.repeat(64)}`);
    expect(md).toContain('s3://audit/reports/222222222222/2026/11/req-audit-0001.json');
    expect(md).toContain('sha256sum report.json');
  });

  it('stops long tables and points to the JSON report', () => {
    const events = Array.from({ length: 1005 }, (_, i) => call(i / 100, 'DescribeServices', 'ecs.amazonaws.com'));
    const md = markdownOf(report({ events }));

    expect(sectionOf(md, 'All calls')).toContain('… and 5 more; the JSON report lists every call.');
  });
});
