import { renderExpiryNoticeEmail } from '../../../handlers/core/expiry-notice-email';
import { elevationRequest } from '../../helpers/fixtures';

describe('renderExpiryNoticeEmail', () => {
  it('says which grant expires when, and what the approver can do', () => {
    // Act
    const email = renderExpiryNoticeEmail({ request: elevationRequest({ requestId: 'req-notice-0001', minutes: 15 }), role: 'Ops', expiresAt: '2026-11-28T10:15:00Z', minutesLeft: 5 });

    // Assess
    expect(email.subject).toBe('Expiring in 5 min: Ops in prod (request req-notice-0001)');
    expect(email.text).toContain('Expires at: 2026-11-28 10:15:00 UTC');
    expect(email.text).toContain('Time left: about 5 minutes');
    expect(email.text).toContain('jit revoke req-notice-0001');
    expect(email.html).toContain('expires in about 5 minutes');
  });

  it('escapes what the requester wrote', () => {
    // Act
    const email = renderExpiryNoticeEmail({
      request: elevationRequest({ requestId: 'req-notice-0002', reason: 'Fix <script>alert(1)</script> & more', requester: 'Eve <eve@example.com>' }),
      role: 'Ops',
      expiresAt: '2026-11-28T10:15:00Z',
      minutesLeft: 1,
    });

    // Assess
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;');
    expect(email.html).toContain('Eve &lt;eve@example.com&gt;');
    expect(email.text).toContain('Time left: about 1 minute\n');
  });
});
