import type { RequestRecord } from '../../../handlers/core/request-record';
import { requestView } from '../../../handlers/core/request-view';
import { requestRecord } from '../../helpers/fixtures';

const record: RequestRecord = requestRecord({
  plannedActions: ['ecs:UpdateService'],
  requestedAt: '2026-11-28T10:00:00.000Z',
  status: 'PENDING_APPROVAL',
  updatedAt: '2026-11-28T10:00:01.000Z',
  approvalDeadline: '2026-11-28T10:30:00.000Z',
  taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAT-secret-task-token',
  approverLinks: { ['a'.repeat(64)]: 'lead@example.com' },
});

describe('requestView', () => {
  it('never shows the task token or the link hashes', () => {
    const view = requestView(record);
    expect(view).not.toHaveProperty('taskToken');
    expect(view).not.toHaveProperty('approverLinks');
    const text = JSON.stringify(view);
    expect(text).not.toContain('secret-task-token');
    expect(text).not.toContain('a'.repeat(64));
  });

  it('shows everything else the record holds, unchanged', () => {
    const { taskToken: _t, approverLinks: _l, ...rest } = record;
    expect(requestView(record)).toEqual(rest);
  });

  it('leaves the record itself as it was', () => {
    const copy = structuredClone(record);
    requestView(record);
    expect(record).toEqual(copy);
  });

  it('projects a raw stored item the same way (the sandbox shows table items)', () => {
    const item: Record<string, unknown> = { requestId: 'req-00000002', taskToken: 't', approverLinks: {}, status: 'GRANTED' };
    expect(requestView(item)).toEqual({ requestId: 'req-00000002', status: 'GRANTED' });
  });
});
