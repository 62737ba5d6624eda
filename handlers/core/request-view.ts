import type { RequestRecord } from './request-record';

/**
 * A request as pages, the CLI, `jit pending` and the sandbox may show it: never the task token (it would
 * let its holder answer the waiting workflow) and never the link hashes (they name every approver's link).
 */
export type RequestView = Omit<RequestRecord, 'taskToken' | 'approverLinks'>;

/** Projects a stored record to what may be shown. The one place that decides what a view leaves out. */
export function requestView<R extends { readonly taskToken?: unknown; readonly approverLinks?: unknown }>(record: R): Omit<R, 'taskToken' | 'approverLinks'> {
  const { taskToken: _token, approverLinks: _links, ...view } = record;
  return view;
}
