import { reviewPage } from '../../../handlers/core/review-pages';
import { requestView } from '../../../handlers/core/request-view';
import { requestRecord } from '../../helpers/fixtures';

const DEADLINE = '2026-12-01T10:30:00.000Z';

function page(quorum: number) {
  const record = requestRecord({
    status: 'PENDING_APPROVAL',
    approvalDeadline: DEADLINE,
    routing: { approvers: ['a@example.com', 'b@example.com', 'c@example.com'], quorum, route: 'fallback' },
  });
  return reviewPage({ request: requestView(record), approver: 'a@example.com', roles: [], capability: 'c' }).html;
}

describe('Core: the review page says what the link can still do', () => {
  it('for one approver: the link decides once', () => {
    expect(page(1)).toContain('The link works once and until 2026-12-01 10:30:00 UTC.');
  });

  it('for a quorum: an approval counts once, and the link still denies until the window closes', () => {
    // Act
    const html = page(2);

    // Assess: no promise that the link stops working after one use (it does not: its holder may still deny).
    expect(html).not.toContain('The link works once');
    expect(html).toContain('Your approval counts once; the link works until 2026-12-01 10:30:00 UTC, to deny after approving if you change your mind.');
  });
});
