import { type ApprovalRuleSetting, approvingRule, isReadOnlyAction, ruleMisses } from '../../../handlers/core/approval-rules';
import type { ElevationRequest } from '../../../handlers/core/elevation-request';
import { elevationRequest } from '../../helpers/fixtures';

const RULE: ApprovalRuleSetting = {
  name: 'read-only-ops',
  accounts: ['prod'],
  roles: ['Ops'],
  maxMinutes: 15,
  actions: 'read-only',
  timeZone: 'Europe/Berlin',
  windows: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '08:00', to: '18:00' }],
};
// Monday 1 December 2026, 10:00 in Berlin (UTC+1 in winter).
const MONDAY_10 = new Date('2026-11-30T09:00:00Z');
const request = (over: Partial<ElevationRequest> = {}) =>
  elevationRequest({ accountId: '222222222222', accountName: 'prod', role: 'Ops', minutes: 10, plannedActions: ['ec2:DescribeInstances'] }, over);

describe('Approval rules', () => {
  it.each([
    ['ec2:DescribeInstances', true],
    ['ecs:ListTasks', true],
    ['iam:GetRole', true],
    ['ecs:UpdateService', false],
    ['ec2:Describe*', false],
    ['describe the instances', false],
    ['ec2:describeinstances', false],
    ['secretsmanager:GetSecretValue', false],
    ['ssm:GetParameter', false],
    ['s3:GetObject', false],
    ['kms:ListKeys', false],
    ['sts:GetCallerIdentity', false],
    ['ecr:GetAuthorizationToken', false],
    ['ec2:GetPasswordData', false],
    ['lambda:GetFunction', false],
  ])('read-only set: %s is %s', (action, readOnly) => {
    expect(isReadOnlyAction(action)).toBe(readOnly);
  });

  it('approves only when every condition holds, and names every unmet one', () => {
    const settings = { approvalRules: [RULE] };
    expect(approvingRule(settings, request(), MONDAY_10)?.name).toBe('read-only-ops');
    expect(ruleMisses(RULE, request({ minutes: 20, plannedActions: ['ecs:UpdateService'] }), {}, MONDAY_10)).toEqual([
      '20 minutes is more than the rule\'s 15',
      'planned actions outside the rule\'s set: ecs:UpdateService',
    ]);
    // 17:55 + 10 minutes ends after the window: the whole grant must lie inside it.
    expect(ruleMisses(RULE, request(), {}, new Date('2026-11-30T16:55:00Z'))).toEqual(['the grant would not lie within the rule\'s time windows (Europe/Berlin)']);
    expect(ruleMisses(RULE, request(), {}, new Date('2026-12-05T09:00:00Z'))).toHaveLength(1);
    expect(ruleMisses(RULE, request({ accountName: 'staging', accountId: '333333333333' }), {}, MONDAY_10)).toEqual(["account staging is not one of the rule's"]);
  });

  it('never approves a humanOnly role, even if a rule names it (the config refuses that too)', () => {
    const settings = { approvalRules: [{ ...RULE, roles: ['Ops', 'Security'] }], humanOnlyRoles: ['Security'] };
    expect(approvingRule(settings, request({ role: 'Security' }), MONDAY_10)).toBeUndefined();
    expect(ruleMisses(settings.approvalRules[0], request({ role: 'Security' }), settings, MONDAY_10)).toEqual(['role Security is humanOnly']);
  });

  it('never approves an extension, however short and read-only: only a human lengthens a grant', () => {
    const extension = { requestId: 'req-live-000001', grantId: 'a'.repeat(32), firstGrantedAt: '2026-11-30T08:55:00Z', expiresAt: '2026-11-30T09:05:00Z' };
    expect(approvingRule({ approvalRules: [RULE] }, request({ minutes: 5, extension }), MONDAY_10)).toBeUndefined();
    expect(ruleMisses(RULE, request({ minutes: 5, extension }), {}, MONDAY_10)).toEqual(['an extension of req-live-000001: only a human approves more time']);
  });

  it('with an explicit list, approves only the listed actions (action names compare without case)', () => {
    const rule: ApprovalRuleSetting = { ...RULE, actions: ['ecs:DescribeServices'], windows: undefined };
    expect(ruleMisses(rule, request({ plannedActions: ['ecs:describeservices'] }), {}, MONDAY_10)).toEqual([]);
    expect(ruleMisses(rule, request({ plannedActions: ['ec2:DescribeInstances'] }), {}, MONDAY_10)).toHaveLength(1);
  });
});
