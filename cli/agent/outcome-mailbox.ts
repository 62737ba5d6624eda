import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerNotification, parseBrokerNotification } from '../../handlers/core/broker-notification';
import type { BrokerOutcome } from '../../handlers/core/broker-event';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import { privateDir } from './cache-dir';

const MAX_PER_REQUEST = 50;

/**
 * Outcomes this user's jit processes have received, one small file per request (mode 0600): what a
 * waiter takes off the queue stays readable for `jit status`, the MCP server and other local waiters.
 * Holds only broker events, which carry no secret material.
 */
export class OutcomeMailbox {
  constructor(private readonly dir: string) {}

  private fileFor(requestId: string): string | undefined {
    return REQUEST_ID_PATTERN.test(requestId) ? join(this.dir, `outcomes-${requestId}.json`) : undefined;
  }

  list(requestId: string): BrokerNotification[] {
    const file = this.fileFor(requestId);
    if (!file) return [];
    try {
      const bodies = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (!Array.isArray(bodies)) return [];
      return bodies.flatMap((b) => {
        const n = typeof b === 'string' ? parseBrokerNotification(b) : undefined;
        return n && n.requestId === requestId ? [n] : [];
      });
    } catch {
      return [];
    }
  }

  /** The latest outcome of a request among `outcomes`, if one was received. */
  latest(requestId: string, outcomes?: ReadonlySet<BrokerOutcome>): BrokerNotification | undefined {
    return this.list(requestId)
      .filter((n) => !outcomes || outcomes.has(n.outcome))
      .at(-1);
  }

  record(notification: BrokerNotification): void {
    const file = this.fileFor(notification.requestId);
    if (!file) return;
    const known = this.list(notification.requestId);
    if (known.some((n) => n.eventId === notification.eventId)) return;
    const all = [...known, notification]
      .sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''))
      .slice(-MAX_PER_REQUEST)
      .map((n) => JSON.stringify({ id: n.eventId, source: 'jit.broker', 'detail-type': `Elevation ${n.outcome}`, ...(n.time ? { time: n.time } : {}), detail: n.detail }));
    privateDir(this.dir);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(all), { mode: 0o600 });
    renameSync(temp, file);
  }
}
