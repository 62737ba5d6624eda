/**
 * The approvers' browsers and the watcher of bench/load.ts, in a process of their own (forked by it, with
 * an IPC channel): they POST every decision at once from the review links, then watch the sandbox's events
 * page until each request has its outcome. Outside the sandbox's process, as an approver's browser is:
 * inside it, the HTTP client's work for 200 POSTs (about 7 % of the main thread's time over the approvals,
 * measured with BENCH_PROFILE) was counted as the sandbox's own CPU time and competed with it on its event
 * loop.
 *
 * Times are `Date.now()` in this process; the benchmark converts them to sandbox time (the same wall clock).
 */

/** One decision to send: the review link without its query, and its capability. */
export interface LinkToDecide {
  readonly requestId: string;
  readonly url: string;
  readonly capability: string;
}

export interface DecideOrder {
  readonly links: readonly LinkToDecide[];
  /** The sandbox's approver cookie (docs/sandbox.md, "The approver's key"). */
  readonly cookie: string;
  readonly action: 'approve' | 'deny';
  /** The events page (`/events?format=json`), looked at every `pollMs` until every request has its outcome; none for `deny`. */
  readonly eventsUrl?: string;
  readonly pollMs: number;
  readonly timeoutMs: number;
}

export type DecideReport =
  | {
      readonly ok: true;
      /** Request id -> `Date.now()` just before its POST was sent. */
      readonly sentAt: ReadonlyArray<readonly [string, number]>;
      readonly granted: readonly string[];
      readonly refused: readonly string[];
      /** `Date.now()` when the events page first showed every outcome (to within `pollMs`). */
      readonly outcomesSeenAt: number;
    }
  | { readonly ok: false; readonly error: string };

type EventsPage = { events: Array<{ event: { 'detail-type': string; detail: { requestId?: string } } }> };

/**
 * The outcomes so far, from the broker's events (one call to the events page however many requests are
 * open): "Elevation Granted" is published after the secret is written, "Elevation Refused" when the lease
 * refused the mint.
 */
async function outcomes(eventsUrl: string): Promise<{ granted: Set<string>; refused: Set<string> }> {
  const response = await fetch(eventsUrl);
  if (!response.ok) throw new Error(`${eventsUrl}: HTTP ${response.status}`);
  const { events } = (await response.json()) as EventsPage;
  const of = (type: string) => new Set(events.filter((e) => e.event['detail-type'] === type).map((e) => e.event.detail.requestId ?? ''));
  return { granted: of('Elevation Granted'), refused: of('Elevation Refused') };
}

export async function decide(order: DecideOrder): Promise<DecideReport> {
  const sentAt: Array<readonly [string, number]> = [];
  await Promise.all(
    order.links.map(async ({ requestId, url, capability }) => {
      sentAt.push([requestId, Date.now()]);
      const response = await fetch(url, {
        method: 'POST',
        headers: { cookie: order.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ c: capability, action: order.action }).toString(),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`Deciding ${requestId}: HTTP ${response.status}`);
    }),
  );
  if (!order.eventsUrl) return { ok: true, sentAt, granted: [], refused: [], outcomesSeenAt: Date.now() };
  const ids = order.links.map((l) => l.requestId);
  const started = Date.now();
  for (;;) {
    const seen = await outcomes(order.eventsUrl);
    if (ids.every((id) => seen.granted.has(id) || seen.refused.has(id))) {
      return { ok: true, sentAt, granted: [...seen.granted], refused: [...seen.refused], outcomesSeenAt: Date.now() };
    }
    if (Date.now() - started > order.timeoutMs) throw new Error(`Timed out after ${order.timeoutMs} ms waiting for ${ids.length} outcomes.`);
    await new Promise((r) => setTimeout(r, order.pollMs));
  }
}

if (require.main === module && process.send) {
  process.on('message', (order: DecideOrder) => {
    decide(order)
      .catch((error: unknown): DecideReport => ({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .then((report) => process.send?.(report));
  });
  process.send({ ready: true });
}
