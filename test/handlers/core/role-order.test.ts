import { approvalTerms, checkDecision } from '../../../handlers/core/approval-decision';
import type { BrokerSettings } from '../../../handlers/core/broker-settings';
import { isSameOrNarrower, narrowingChoices, roleOrderProblems, wideningProblems } from '../../../handlers/core/role-order';
import { elevationRequest } from '../../helpers/fixtures';

const ORDER = { ReadOnly: ['Ops'], Ops: ['Security'] };
const settings: BrokerSettings = {
  accounts: [
    {
      id: '222222222222',
      name: 'prod',
      roles: [
        { name: 'ReadOnly', iamRoleName: 'jit-elevated-readonly', defaultMinutes: 15, maxMinutes: 60 },
        { name: 'Ops', iamRoleName: 'AgentElevated-Ops', defaultMinutes: 15, maxMinutes: 30 },
        { name: 'Deploy', iamRoleName: 'AgentElevated-Deploy', defaultMinutes: 30, maxMinutes: 60 },
        { name: 'Security', iamRoleName: 'AgentElevated-Security', defaultMinutes: 5, maxMinutes: 30 },
      ],
    },
  ],
  approvalWindowMinutes: 30,
  approvers: ['lead@example.com'],
  sender: 'jit@example.com',
  auditRegions: ['eu-west-1'],
  auditDelayMinutes: 5,
  auditMaxLagMinutes: 30,
  roleOrder: ORDER,
};

describe('Role order: narrow, never widen', () => {
  it('keeps the requested role, or a role declared narrower, directly or through others', () => {
    expect(isSameOrNarrower(ORDER, 'Ops', 'Ops')).toBe(true);
    expect(isSameOrNarrower(ORDER, 'Ops', 'ReadOnly')).toBe(true);
    expect(isSameOrNarrower(ORDER, 'Security', 'ReadOnly')).toBe(true);
    expect(isSameOrNarrower(ORDER, 'Ops', 'Security')).toBe(false);
    // Undeclared means unordered: Deploy and Ops never replace each other.
    expect(isSameOrNarrower(ORDER, 'Ops', 'Deploy')).toBe(false);
    expect(isSameOrNarrower(ORDER, 'Deploy', 'Ops')).toBe(false);
    expect(narrowingChoices(settings, settings.accounts[0], 'Security').map((r) => r.name)).toEqual(['ReadOnly', 'Ops', 'Security']);
    expect(narrowingChoices(settings, settings.accounts[0], 'Deploy').map((r) => r.name)).toEqual(['Deploy']);
  });

  it('names a wider role and more minutes, each in its own line', () => {
    expect(wideningProblems(ORDER, { requestedRole: 'Ops', requestedMinutes: 5, chosenRole: 'Security', chosenMinutes: 30 })).toEqual([
      'role: Security is not narrower than the requested Ops; an approver may only keep the role or choose one the config declares less privileged (roles[].narrowerThan)',
      'minutes: 30 is more than the 5 requested; an approver may only lower the minutes',
    ]);
    expect(wideningProblems(ORDER, { requestedRole: 'Ops', requestedMinutes: 5, chosenRole: 'ReadOnly', chosenMinutes: 5 })).toEqual([]);
  });

  it('approval terms refuse "Ops for 5" approved as "Security for 30", and accept ReadOnly for 3', () => {
    // Prepare
    const request = elevationRequest({ accountId: '222222222222', role: 'Ops', minutes: 5 });

    // Act
    const wider = approvalTerms(request, { role: 'Security', minutes: 30 }, settings);
    const longer = approvalTerms(request, { minutes: 6 }, settings);
    const narrower = approvalTerms(request, { role: 'ReadOnly', minutes: 3 }, settings);

    // Assess
    expect(wider).toEqual({ ok: false, problems: [expect.stringMatching(/^role: Security is not narrower/), 'minutes: 30 is more than the 5 requested; an approver may only lower the minutes'] });
    expect(longer).toEqual({ ok: false, problems: ['minutes: 6 is more than the 5 requested; an approver may only lower the minutes'] });
    expect(narrower).toMatchObject({ ok: true, value: { role: { name: 'ReadOnly' }, minutes: 3 } });
  });

  it('mint refuses a wider decision however it arrived, with a named error', () => {
    const request = elevationRequest({ accountId: '222222222222', role: 'Ops', minutes: 5 });
    const decision = { role: 'Security', minutes: 5, approver: 'lead@example.com', decidedAt: '2026-01-01T00:00:00.000Z' };

    expect(() => checkDecision(request, decision, settings)).toThrow(expect.objectContaining({ name: 'DecisionWidensRequestError' }));
    expect(() => checkDecision(request, { ...decision, role: 'Ops', minutes: 6 }, settings)).toThrow(/wider than the request.*minutes: 6 is more than the 5 requested/);
    expect(checkDecision(request, { ...decision, role: 'ReadOnly', minutes: 5 }, settings).role.name).toBe('ReadOnly');
  });

  it('finds unknown roles, a role narrower than itself and cycles in a declared order', () => {
    const names = ['Ops', 'Deploy', 'Security'];
    expect(roleOrderProblems({ Ops: ['Admin'] }, names)).toEqual([{ role: 'Ops', message: 'unknown role "Admin" (configured: Ops, Deploy, Security)' }]);
    expect(roleOrderProblems({ Ops: ['Ops'] }, names)).toEqual([{ role: 'Ops', message: 'names the role itself; a role cannot be narrower than itself' }]);
    expect(roleOrderProblems({ Ops: ['Deploy'], Deploy: ['Security'], Security: ['Ops'] }, names)).toHaveLength(3);
    expect(roleOrderProblems({ Ops: ['Deploy', 'Security'], Deploy: ['Security'] }, names)).toEqual([]);
  });
});
