import { parseBrokerNotification } from '../../../handlers/core/broker-notification';

const envelope = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '0',
    id: 'evt-1',
    'detail-type': 'Elevation Granted',
    source: 'jit.broker',
    time: '2026-11-28T10:00:00Z',
    detail: { requestId: 'req-1234abcd', account: '222222222222', expiresAt: '2026-11-28T10:15:00Z' },
    ...overrides,
  });

describe('parseBrokerNotification', () => {
  it('reads a broker event as the notification queue delivers it', () => {
    expect(parseBrokerNotification(envelope())).toEqual({
      eventId: 'evt-1',
      requestId: 'req-1234abcd',
      outcome: 'Granted',
      time: '2026-11-28T10:00:00Z',
      detail: { requestId: 'req-1234abcd', account: '222222222222', expiresAt: '2026-11-28T10:15:00Z' },
    });
    expect(parseBrokerNotification(envelope({ 'detail-type': 'Elevation End Refused' }))?.outcome).toBe('End Refused');
  });

  it.each([
    ['not JSON', '{'],
    ['another source', envelope({ source: 'jit.agent' })],
    ['an unknown detail-type', envelope({ 'detail-type': 'Elevation Exploded' })],
    ['no request id', envelope({ detail: { account: '222222222222' } })],
    ['a malformed request id', envelope({ detail: { requestId: '../../etc/passwd' } })],
  ])('ignores %s', (_what, body) => {
    expect(parseBrokerNotification(body)).toBeUndefined();
  });
});
