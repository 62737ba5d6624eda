import { changeKindOf, iamActionOf, isAccessDenied, matchesPlan, parsePlannedAction } from '../../../handlers/core/audit-classification';

describe('audit classification', () => {
  it('names the IAM action of a CloudTrail event', () => {
    expect(iamActionOf('ecs.amazonaws.com', 'UpdateService')).toBe('ecs:UpdateService');
    expect(iamActionOf('monitoring.amazonaws.com', 'PutMetricAlarm')).toBe('cloudwatch:PutMetricAlarm');
    expect(iamActionOf('lambda.amazonaws.com', 'UpdateFunctionCode20150331v2')).toBe('lambda:UpdateFunctionCode');
  });

  it('recognises refusals for lack of permission, and only those', () => {
    for (const code of ['AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'UnauthorizedOperation']) expect(isAccessDenied(code)).toBe(true);
    for (const code of [undefined, 'ValidationException', 'ResourceNotFoundException', 'ThrottlingException']) expect(isAccessDenied(code)).toBe(false);
  });

  it('matches planned IAM actions with wildcards, case-insensitively like IAM', () => {
    const plan = ['ecs:Update*', 'S3:getobject', 'look at the logs'].map(parsePlannedAction);

    expect(matchesPlan('ecs:UpdateService', plan)).toBe(true);
    expect(matchesPlan('s3:GetObject', plan)).toBe(true);
    expect(matchesPlan('ecs:DeleteService', plan)).toBe(false);
    expect(plan[2].pattern).toBeUndefined();
  });

  it('does not let a planned action smuggle in a regular expression', () => {
    const plan = [parsePlannedAction('ecs:.*')];

    expect(plan[0].pattern).toBeUndefined();
    expect(matchesPlan('ecs:DeleteCluster', plan)).toBe(false);
  });

  it('tells IAM, security-group and credential changes apart from reads', () => {
    expect(changeKindOf('iam:PutRolePolicy', false)).toBe('iam');
    expect(changeKindOf('iam:GetRole', true)).toBeUndefined();
    expect(changeKindOf('ec2:RevokeSecurityGroupEgress', false)).toBe('security-group');
    expect(changeKindOf('ec2:DescribeSecurityGroups', true)).toBeUndefined();
    expect(changeKindOf('sts:AssumeRole', true)).toBe('credential');
    expect(changeKindOf('ecs:UpdateService', false)).toBeUndefined();
  });
});
