import { requestIdFor } from '../../handlers/core/elevation-request';
import { SETTLED_STATUSES } from '../../handlers/core/request-status';
import type { ExecutionRecord, UnreadableExecution } from './executions';

/** A request the broker has not finished with, as the request table holds it. */
export interface StoredRequest {
  readonly requestId: string;
  /** Absent on the table's other items (leases, quotas, tripwire counters). */
  readonly status?: string;
}

/** A request whose execution is gone: nothing will ever move it on. */
export interface LostExecution {
  readonly requestId: string;
  /** Where it stood. */
  readonly status: string;
  /** Why, in words for the home page, the log and the request's failure event. */
  readonly reason: string;
}

/**
 * The requests no execution continues: not settled in the request table, and no readable, running
 * execution started for them — their execution file was deleted, or cannot be read (a damaged file does
 * not say whose it was, so every request without a running execution is counted). In AWS an execution
 * cannot vanish; in the sandbox its file can, and a request left as it was would stay pending (or
 * granted) forever without a word.
 */
export function lostExecutions(requests: readonly StoredRequest[], executions: readonly ExecutionRecord[], unreadable: readonly UnreadableExecution[]): LostExecution[] {
  const continued = new Set(
    executions.filter((e) => e.status === 'RUNNING').map((e) => requestIdFor(e.input as { id: string; detail?: unknown })),
  );
  const damaged = unreadable.length > 0 ? ` (${unreadable.length} execution file(s) cannot be read: ${unreadable.map((u) => u.file).join(', ')})` : '';
  return requests
    // Only request records: the table's lease, quota and tripwire items have no `status` (so the status
    // index never lists them either) and no execution of their own.
    .filter((r): r is StoredRequest & { status: string } => typeof r.status === 'string')
    .filter((r) => !(SETTLED_STATUSES as ReadonlySet<string>).has(r.status) && !continued.has(r.requestId))
    .map((r) => ({
      requestId: r.requestId,
      status: r.status,
      reason: `The sandbox lost this request's execution while it was ${r.status}: its execution is missing, cannot be read or cannot continue${damaged}. Nothing will continue it, so it ends here; ask again if the work still needs doing.${r.status === 'GRANTED' ? ' Its reset schedule still resets the secret at the grant expiry; no audit report will follow.' : ''}`,
    }));
}
