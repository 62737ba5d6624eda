import type { BrokerNotification } from '../../handlers/core/broker-notification';
import type { BrokerOutcome } from '../../handlers/core/broker-event';
import type { Clock } from '../../handlers/ports/clock';
import type { NotificationInbox } from './notification-inbox';
import type { OutcomeMailbox } from './outcome-mailbox';

export interface WaitForOutcomeOptions {
  readonly requestId: string;
  /** The outcomes that end the wait. */
  readonly outcomes: ReadonlySet<BrokerOutcome>;
  /** Whether a notification among `outcomes` is an answer to this wait. @default every one is */
  readonly accepts?: (notification: BrokerNotification) => boolean;
  readonly inbox: NotificationInbox;
  readonly mailbox: OutcomeMailbox;
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** Called with every notification about this request, including those that do not end the wait. */
  readonly onNotification?: (notification: BrokerNotification) => void;
  /** Longest single long poll. @default 10 */
  readonly pollSeconds?: number;
}

/**
 * Waits for one of `outcomes` of a request on the agent's notification queue, shared with other
 * waiters: every broker event received is kept in the local mailbox, messages about this request are
 * deleted, and messages about other requests are left for their own waiters (they reappear after a
 * couple of seconds). Returns undefined when the timeout passes first.
 */
export async function waitForOutcome(options: WaitForOutcomeOptions): Promise<BrokerNotification | undefined> {
  const { requestId, outcomes, inbox, mailbox, clock } = options;
  const deadline = clock.now().getTime() + options.timeoutMs;
  const seen = new Set<string>();
  const ends = (n: BrokerNotification) => outcomes.has(n.outcome) && (options.accepts?.(n) ?? true);
  const tell = (n: BrokerNotification) => {
    if (seen.has(n.eventId)) return;
    seen.add(n.eventId);
    options.onNotification?.(n);
  };
  for (;;) {
    // Another local process may already have received it.
    for (const n of mailbox.list(requestId)) tell(n);
    const known = mailbox.list(requestId).filter(ends).at(-1);
    if (known) return known;
    const remaining = deadline - clock.now().getTime();
    if (remaining <= 0) return undefined;

    const messages = await inbox.receive(Math.min(options.pollSeconds ?? 10, Math.ceil(remaining / 1000)));
    const done = messages.filter((m) => m.notification === undefined || m.notification.requestId === requestId);
    let found: BrokerNotification | undefined;
    for (const m of messages) {
      if (!m.notification) continue;
      mailbox.record(m.notification);
      if (m.notification.requestId !== requestId) continue;
      tell(m.notification);
      if (ends(m.notification)) found = m.notification;
    }
    // Ours are recorded, and anything that is not a broker event is noise: both can go.
    if (done.length > 0) await inbox.delete(done);
    if (found) return found;
  }
}
