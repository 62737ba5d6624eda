import { lostExecutions } from '../../../sandbox/engine/lost-executions';

describe('lostExecutions', () => {
  it('counts request records only: the lease, quota and tripwire items in the same table are no requests', () => {
    // Prepare: one request whose execution is gone, beside the broker's own items of the request table.
    const table = [
      { requestId: 'req-lost-0001', status: 'PENDING_APPROVAL' },
      { requestId: 'LEASE#default#222222222222' },
      { requestId: 'PENDING#default' },
      { requestId: 'RATE#default#2026-12-02T05' },
      { requestId: 'TRIPWIRE#req-lost-0001' },
    ];

    // Act
    const lost = lostExecutions(table, [], []);

    // Assess
    expect(lost.map((l) => l.requestId)).toEqual(['req-lost-0001']);
  });

  it('leaves settled requests and those a running execution continues', () => {
    // Prepare
    const table = [
      { requestId: 'req-done-0001', status: 'AUDITED' },
      { requestId: 'req-live-0001', status: 'GRANTED' },
    ];
    const running = [{ status: 'RUNNING', input: { id: 'req-live-0001' } }];

    // Act
    const lost = lostExecutions(table, running as never, []);

    // Assess
    expect(lost).toEqual([]);
  });
});
