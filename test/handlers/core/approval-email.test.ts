import { renderApprovalEmail } from '../../../handlers/core/approval-email';
import { elevationRequest } from '../../helpers/fixtures';

const request = elevationRequest({
  minutes: 15,
  reason: '<script>alert(1)</script> & "quotes"',
  plannedActions: ['<img src=x onerror=alert(1)>'],
  requester: 'agent\r\nBcc: attacker@example.com',
  requestedAt: '2026-11-28T10:00:00.000Z',
});

describe('renderApprovalEmail', () => {
  const email = renderApprovalEmail({
    request,
    reviewUrl: 'https://approve.example.com/review/req-00000001?c=abc',
    approvalDeadline: new Date('2026-11-28T10:30:00Z'),
  });

  it('escapes every requester-supplied string in the HTML', () => {
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
  });

  it('keeps the subject on one line with account, role and minutes', () => {
    expect(email.subject).toBe('Approve Ops for 15 min in prod? (request req-00000001)');
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('has exactly one review link and says when it stops working', () => {
    expect(email.html.match(/href=/g)).toHaveLength(1);
    expect(email.text.match(/https:\/\//g)).toHaveLength(1);
    expect(email.text).toContain('Link valid until: 2026-11-28 10:30:00 UTC');
    expect(email.text).toContain('Opening the link does not approve anything');
  });
});
