import { checkDecision } from '../../../handlers/core/approval-decision';
import { breakGlassProblems, postReviewOf } from '../../../handlers/core/break-glass';
import { InvalidDecisionError } from '../../../handlers/core/errors';
import { approvalSettings } from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

const SETTINGS = { breakGlassRoles: { Ops: { maxMinutes: 15 } } };
const REQUEST = { role: 'Ops', minutes: 10, requester: 'OnCall@example.com' };
const DECIDED = { role: 'Ops', minutes: 10, approver: 'oncall@example.com', decidedAt: '2026-12-01T10:00:00.000Z', channel: 'cli' as const, breakGlass: { reason: 'down', maxMinutes: 15 } };

describe('Core: break-glass', () => {
  it('allows the requester (case aside) with a reason within the maximum', () => {
    expect(breakGlassProblems(SETTINGS, REQUEST, 'oncall@example.com', { reason: 'down' })).toEqual([]);
  });

  it('knows the requester by the address in `Name <address>`, as routing does, and nobody else by it', () => {
    // Prepare: the requester written with a display name, as an agent may send it.
    const named = { ...REQUEST, requester: 'Ana Oncall <OnCall@example.com>' };

    // Act + Assess: the requester's own address may break the glass; another address, or the name, may not.
    expect(breakGlassProblems(SETTINGS, named, 'oncall@example.com', { reason: 'down' })).toEqual([]);
    expect(breakGlassProblems(SETTINGS, named, 'lead@example.com', { reason: 'down' })).toEqual([
      "break-glass is the requester's own approval: lead@example.com is not the requester of this request (Ana Oncall <OnCall@example.com>)",
    ]);
    expect(breakGlassProblems(SETTINGS, named, 'Ana Oncall', { reason: 'down' })).toHaveLength(1);
  });

  it('names every problem at once', () => {
    // Act
    const problems = breakGlassProblems(SETTINGS, { ...REQUEST, role: 'Deploy', requester: undefined }, 'lead@example.com', { reason: '  ' });

    // Assess
    expect(problems).toEqual([
      'role Deploy is not marked breakGlass: another approver must approve this request',
      "break-glass is the requester's own approval: lead@example.com is not the requester of this request (none named)",
      'reason: break-glass needs a reason',
    ]);
  });

  it('shows the mark pending until acknowledged, and nothing for other approvals', () => {
    expect(postReviewOf({ decision: DECIDED })).toEqual({ status: 'pending', operator: 'oncall@example.com', reason: 'down' });
    expect(postReviewOf({ decision: DECIDED, postReviewAck: { approver: 'lead@example.com', acknowledgedAt: '2026-12-01T11:00:00.000Z' } })).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'lead@example.com' });
    expect(postReviewOf({ decision: { ...DECIDED, breakGlass: undefined } })).toBeUndefined();
  });

  it('mint refuses a break-glass decision the config no longer allows', () => {
    // Prepare
    const request = elevationRequest(REVIEW_REQUEST, { minutes: 10 });
    const settings = { ...approvalSettings(), ...SETTINGS };

    // Act
    const allowed = () => checkDecision(request, DECIDED, settings);
    const noLonger = () => checkDecision(request, DECIDED, { ...settings, breakGlassRoles: { Ops: { maxMinutes: 5 } } });
    const notGlass = () => checkDecision(request, DECIDED, approvalSettings());

    // Assess
    expect(allowed()).toMatchObject({ role: { name: 'Ops' } });
    expect(noLonger).toThrow(InvalidDecisionError);
    expect(noLonger).toThrow('minutes: 10 is more than the break-glass maximum of 5 for role Ops');
    expect(notGlass).toThrow('role Ops is no longer marked breakGlass');
  });
});
