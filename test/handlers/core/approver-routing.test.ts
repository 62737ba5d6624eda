import { mayDecide, requesterApprover, routeRequest, routingGaps, routingOf } from '../../../handlers/core/approver-routing';
import type { BrokerSettings } from '../../../handlers/core/broker-settings';
import { exampleSettings as brokerSettings } from '../../helpers/synth';

const ROUTED: BrokerSettings = {
  ...brokerSettings(),
  approvers: ['lead@example.com', 'sec-a@example.com', 'sec-b@example.com', 'owner@example.com'],
  approvalRoutes: [
    { role: 'Security', approvers: ['sec-a@example.com', 'sec-b@example.com'], quorum: 2 },
    { account: '222222222222', role: 'Ops', approvers: ['owner@example.com'] },
    { account: '222222222222', approvers: ['lead@example.com', 'owner@example.com'] },
    { approvers: ['lead@example.com'] },
  ],
};

describe('Approver routing', () => {
  it('takes the most specific route: account+role, then role, then account, then the fallback', () => {
    expect(routeRequest(ROUTED, { accountId: '222222222222', role: 'Ops' })).toEqual({ approvers: ['owner@example.com'], quorum: 1, route: 'account+role' });
    expect(routeRequest(ROUTED, { accountId: '222222222222', role: 'Security' })).toMatchObject({ approvers: ['sec-a@example.com', 'sec-b@example.com'], quorum: 2, route: 'role' });
    expect(routeRequest(ROUTED, { accountId: '222222222222', role: 'Deploy' })).toMatchObject({ approvers: ['lead@example.com', 'owner@example.com'], route: 'account' });
    expect(routeRequest(ROUTED, { accountId: '333333333333', role: 'Deploy' })).toMatchObject({ approvers: ['lead@example.com'], route: 'fallback' });
  });

  it('keeps one list for every request without routes', () => {
    const plain = { ...brokerSettings(), approvers: ['a@example.com', 'b@example.com'] };
    expect(routeRequest(plain, { accountId: '222222222222', role: 'Ops' })).toEqual({ approvers: ['a@example.com', 'b@example.com'], quorum: 1, route: 'fallback' });
  });

  it('leaves out the requester when the request names one of the routed approvers, in any case or as Name <address>', () => {
    const routing = routeRequest(ROUTED, { accountId: '222222222222', role: 'Deploy', requester: 'Owner <OWNER@example.com>' });
    expect(routing).toMatchObject({ approvers: ['lead@example.com'], requesterExcluded: 'owner@example.com' });
    expect(mayDecide(routing, 'owner@example.com')).toBe(false);
    expect(mayDecide(routing, 'LEAD@example.com')).toBe(true);
    expect(requesterApprover('claude on behalf of the ops team', ['lead@example.com'])).toBeUndefined();
  });

  it('routes a record written before routing to the approvers of its links', () => {
    expect(routingOf({ approverLinks: { h1: 'a@example.com', h2: 'b@example.com' } }, { approvers: ['x@example.com'] })).toEqual({
      approvers: ['a@example.com', 'b@example.com'],
      quorum: 1,
      route: 'fallback',
    });
  });

  it('names every account/role pair nobody can approve, or too few for its quorum', () => {
    const gaps = routingGaps({ ...ROUTED, approvalRoutes: [{ role: 'Security', approvers: ['sec-a@example.com'], quorum: 2 }, { approvers: [] }] });
    expect(gaps).toContain('account prod (222222222222), role Security: its role route needs 2 approvals but lists 1 approver(s) (sec-a@example.com)');
    expect(gaps).toContain('account prod (222222222222), role Ops: no approver is routed to it (no route matches and approval.approvers is empty); add a route or fallback approvers');
    expect(routingGaps(ROUTED)).toEqual([]);
  });
});
