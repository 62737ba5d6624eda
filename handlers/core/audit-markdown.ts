import type { AuditAction, AuditReport } from './audit-report';
import { PROVEN } from './policy-proofs';

/** Tables in the Markdown stop after this many rows; the JSON report always has every call. */
export const MAX_MARKDOWN_ROWS = 1000;

/**
 * Escapes text for a Markdown table cell. Requester text (reason, planned actions, note) and much of what
 * CloudTrail records (resource names, error messages, user agents) is chosen by whoever made the calls,
 * so none of it may add rows, links, emphasis or HTML to the report an auditor reads.
 */
export function mdText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ');
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function minutes(n: number): string {
  return `${n} min`;
}

const FLAG_LABEL: Readonly<Record<string, string>> = {
  'access-denied': 'DENIED',
  'iam-change': 'IAM',
  'security-group-change': 'SG',
  'credential-change': 'CREDENTIALS',
  unplanned: 'unplanned',
  'after-expiry': 'after expiry',
  'after-revoke': 'after revoke',
  'read-only-unknown': 'read-only?',
};

function notes(a: AuditAction): string {
  return a.flags
    .map((f) => FLAG_LABEL[f])
    .filter((l): l is string => l !== undefined)
    .join(', ');
}

function actionTable(actions: readonly AuditAction[], withKey: boolean): string[] {
  const header = ['Time (UTC)', 'Service', 'Action', 'Resources', 'Region', 'Result', 'Notes', ...(withKey ? ['Access key'] : [])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const a of actions.slice(0, MAX_MARKDOWN_ROWS)) {
    const result = a.errorMessage ? `${a.result}: ${a.errorMessage}` : a.result;
    const cells = [
      a.time,
      mdText(a.service),
      // Data events come from the trail's log files, not LookupEvents: said where the call is listed.
      `${mdText(a.action)}${a.category === 'data' ? ' (data event)' : ''}`,
      mdText(a.resources.join(', ')),
      mdText(a.region),
      mdText(result),
      notes(a),
      ...(withKey ? [mdText(a.accessKeyId)] : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (actions.length > MAX_MARKDOWN_ROWS) {
    lines.push('', `… and ${actions.length - MAX_MARKDOWN_ROWS} more; the JSON report lists every call.`);
  }
  return lines;
}

function section(lines: string[], title: string, actions: readonly AuditAction[], empty: string, withKey: boolean): void {
  lines.push('', `## ${title}`, '');
  if (actions.length === 0) lines.push(empty);
  else lines.push(...actionTable(actions, withKey));
}

/**
 * A call that changed something: CloudTrail says it was not read-only (or did not say), and it succeeded.
 * A refused or failed call changed nothing: the report calls it an attempt, never a change.
 */
function isChange(a: AuditAction): boolean {
  return (a.flags.includes('mutating') || a.flags.includes('read-only-unknown')) && a.result === 'Success';
}

function isSensitive(a: AuditAction): boolean {
  return a.flags.some((f) => f === 'iam-change' || f === 'security-group-change' || f === 'credential-change');
}

/** The one-paragraph summary: changes (succeeded) apart from attempts (refused), in plain words. */
function summaryLine(r: AuditReport): string {
  const s = r.summary;
  const changes = r.actions.filter(isChange);
  const count = (flag: AuditAction['flags'][number]) => changes.filter((a) => a.flags.includes(flag)).length;
  const refusedSensitive = r.actions.filter((a) => a.flags.includes('access-denied') && isSensitive(a)).length;
  const failed = r.actions.filter((a) => a.flags.includes('error')).length;
  const parts = [
    `**${changes.length}** ${changes.length === 1 ? 'change' : 'changes'} (mutating calls that succeeded)`,
    `**${s.accessDenied}** refused (attempted overreach${refusedSensitive > 0 ? `, ${refusedSensitive} of them at IAM, security groups or credentials` : ''})`,
    ...(failed > 0 ? [`**${failed}** failed for another reason`] : []),
    `**${count('iam-change')}** IAM, **${count('security-group-change')}** security-group and **${count('credential-change')}** credential changes`,
    // Only a plan written as IAM actions can be compared; without one there is nothing to call unplanned.
    ...(r.plan.planned.some((p) => p.checkable) ? [`**${changes.filter((a) => a.flags.includes('unplanned')).length}** unplanned changes`] : []),
    `**${s.afterExpiry}** after expiry`,
    ...(r.revocation ? [`**${s.afterRevoke}** after the revoke`] : []),
  ];
  return `**${s.total}** calls: ${parts.join(', ')}.`;
}

export interface MarkdownOptions {
  /** SHA-256 (hex) of the JSON report this Markdown renders. */
  readonly jsonSha256: string;
  /** Where the JSON report is stored, for the verification instructions. */
  readonly jsonUri: string;
}

/**
 * The report for people: what changed first, then refused attempts, then IAM, security-group and
 * credential changes, planned versus actual, every call, how the trail was read, and how to verify the
 * JSON report it was rendered from.
 */
export function renderAuditMarkdown(report: AuditReport, options: MarkdownOptions): string {
  const r = report;
  const s = r.summary;
  const withKey = r.credentials.length > 1;
  const approval = r.approval;
  const approvedBy = approval
    ? approval.approvers && approval.approvers.length > 0
      ? approval.approvers.map((a) => `${mdText(a.approver)} at ${a.decidedAt} (${mdText(a.channel)})`).join('; ')
      : `${mdText(approval.approvedBy)} at ${approval.decidedAt}${approval.channel ? ` (${mdText(approval.channel)})` : ''}`
    : 'not recorded';
  const changed = approval?.changes.length
    ? approval.changes.map((c) => `${c.field} ${mdText(c.requested)} → ${mdText(c.approved)}`).join('; ')
    : 'nothing';

  const lines = [`# Elevation audit: ${mdText(r.requestId)}`, ''];
  if (!r.collection.complete) {
    lines.push(`> **INCOMPLETE REPORT.** ${mdText(r.collection.reason)}`, '');
  }
  if (r.outcome === 'mint-failed') {
    lines.push('> **The grant failed**, but credentials had already been issued; this report covers what they did.', '');
  }
  lines.push(
    '| | |',
    '|---|---|',
    `| Account | ${mdText(r.account.name)} (${mdText(r.account.id)}) |`,
    `| Role requested | ${mdText(r.request.role)} for ${minutes(r.request.minutes)} |`,
    `| Reason | ${mdText(r.request.reason)} |`,
    `| Requested by | ${mdText(r.request.requestedBy ?? 'not named')} at ${r.request.requestedAt} |`,
    `| Approved by | ${approvedBy} |`,
    `| Approver changed | ${changed} |`,
  );
  if (approval?.note) lines.push(`| Approver's note | ${mdText(approval.note)} |`);
  if (approval?.breakGlass) {
    lines.push(`| Break-glass | approved by the requester: ${mdText(approval.breakGlass.reason)} (at most ${minutes(approval.breakGlass.maxMinutes)}); post-review required, see jit status |`);
  }
  if (r.grant) {
    lines.push(
      `| Role granted | ${mdText(r.grant.role)} (${mdText(r.grant.roleArn)}) |`,
      `| Window | ${r.grant.grantedAt} → ${r.grant.expiresAt} (${minutes(r.grant.minutesGranted)}) |`,
      `| Time used | ${r.grant.minutesUsed === null ? 'no calls' : `${minutes(r.grant.minutesUsed)} (last call ${s.lastCallAt})`} |`,
    );
  }
  if (r.revocation) {
    lines.push(`| Revoked | ${r.revocation.revokedAt} by ${mdText(r.revocation.revokedBy)}${r.revocation.reason ? `: ${mdText(r.revocation.reason)}` : ''} |`);
  }
  lines.push(
    `| Credentials | ${r.credentials.map((c) => `${mdText(c.accessKeyId)}${c.delivered ? '' : ' (not delivered: mint failed)'}`).join(', ')} |`,
    `| Regions searched | ${r.collection.regions.map((g) => mdText(g.region)).join(', ')} |`,
    `| Complete | ${r.collection.complete ? 'yes' : '**NO**'}: ${mdText(r.collection.reason)}${r.coverage ? ` (${r.coverage.read.map(mdText).join(', ')} events; see What this report cannot see)` : ''} |`,
    '',
    summaryLine(r),
  );

  const flagged = (flag: AuditAction['flags'][number]) => r.actions.filter((a) => a.flags.includes(flag));
  section(lines, 'Changes (mutating calls that succeeded)', r.actions.filter(isChange), 'Nothing was changed: no mutating call succeeded.', withKey);
  section(lines, 'Attempted overreach (AccessDenied)', flagged('access-denied'), 'No call was refused for lack of permission.', withKey);
  section(lines, 'IAM, security-group and credential changes', r.actions.filter((a) => isChange(a) && isSensitive(a)), 'None.', withKey);
  if (r.revocation) section(lines, 'Calls after the revoke', flagged('after-revoke'), 'None.', withKey);

  lines.push('', '## Planned versus actual', '');
  if (!r.plan.given) {
    lines.push('The request named no planned actions.');
  } else {
    for (const p of r.plan.planned) {
      const status = !p.checkable ? 'free text, not compared' : p.calls > 0 ? `done (${p.calls} calls)` : '**not done**';
      lines.push(`- ${mdText(p.text)}: ${status}`);
    }
    if (r.plan.planned.some((p) => p.checkable)) {
      const unplannedChanges = r.plan.unplanned.filter((u) => u.mutating);
      lines.push('', unplannedChanges.length === 0 ? 'Every mutating call matched a planned action.' : 'Mutating calls (changes or attempts) that match no planned action:');
      for (const u of unplannedChanges) lines.push(`- ${mdText(u.iamAction)} (${u.calls} calls)`);
      const readOnly = r.plan.unplanned.filter((u) => !u.mutating);
      if (readOnly.length > 0) lines.push('', `Read-only calls outside the plan: ${readOnly.map((u) => `${mdText(u.iamAction)} (${u.calls})`).join(', ')}.`);
    }
  }

  section(lines, 'All calls', r.actions, 'No calls were recorded for these credentials.', withKey);

  if (r.proofs) {
    const label = { pass: 'PASS', fail: 'FAIL', 'not-proven': 'NOT PROVEN', 'not-applicable': 'N/A' } as const;
    lines.push(
      '',
      '## Proofs before minting (IAM Access Analyzer)',
      '',
      r.proofs.verdict === PROVEN
        ? `Proven: ${mdText(r.proofs.reason)}.`
        : `**${r.proofs.verdict === 'failed' ? 'Failed' : 'Not proven'}**: ${mdText(r.proofs.reason)}.`,
    );
    if (r.proofs.checks.length > 0) {
      lines.push('', '| Check | Subject | Result | Detail |', '|---|---|---|---|');
      for (const c of r.proofs.checks) lines.push(`| ${c.check} | ${mdText(c.subject)} | ${label[c.status]} | ${mdText(c.detail)} |`);
    }
  }

  lines.push(
    '',
    ...(r.coverage ? ['## What this report cannot see', '', ...r.coverage.notCovered.map((line) => `- ${mdText(line)}`), ''] : []),
    '## How the trail was read',
    '',
    `CloudTrail LookupEvents in account ${mdText(r.account.id)}, by access key, events from ${r.collection.window.start} to ${r.collection.window.end}; ` +
      `${r.collection.polls} polls from ${r.collection.firstPollAt ?? 'never'} to ${r.collection.lastPollAt ?? 'never'}, ` +
      `delivery lag ${minutes(r.collection.delayMinutes)}, maximum lag ${minutes(r.collection.maxLagMinutes)} (deadline ${r.collection.deadline}).`,
    '',
    '| Region | Events | Pages | Read to the end | Error |',
    '|---|---|---|---|---|',
    ...r.collection.regions.map((g) => `| ${mdText(g.region)} | ${g.events} | ${g.pages} | ${yesNo(g.complete)} | ${mdText(g.error ?? '')} |`),
    '',
    ...(r.collection.dataEvents
      ? [
          "Data events from the account's trail log files (S3, gzip JSON), by access key, the same window:",
          '',
          '| Region | Source | Log files | Events | Read to the end | Error |',
          '|---|---|---|---|---|---|',
          ...r.collection.dataEvents.map((d) => `| ${mdText(d.region)} | ${mdText(d.source)} | ${d.objects} | ${d.events} | ${yesNo(d.complete)} | ${mdText(d.error ?? '')} |`),
          '',
        ]
      : []),
    '## Verifying this report',
    '',
    `This Markdown is rendered from the JSON report \`${options.jsonUri}\`, whose SHA-256 is`,
    '',
    `    ${options.jsonSha256}`,
    '',
    'The same digest is in the `Elevation Audited` event (`reportSha256`) and on the request record. To check a copy:',
    '`aws s3api get-object --bucket <bucket> --key <key> --version-id <jsonVersionId> report.json && sha256sum report.json`,',
    `or \`jit report ${r.requestId}\`, which also checks the version, Object Lock and the signed manifest next to the report`,
    '(`.manifest.json`, `.manifest.sig`: docs/audit.md shows how to verify the signature with OpenSSL).',
    '',
    `Generated ${r.generatedAt} (report schema ${r.schema} v${r.schemaVersion}).`,
    '',
  );
  return lines.join('\n');
}
