import type { FunctionEntry } from '../core/function-environment';
import { approvalWebFunction } from './approval-web-function';
import { auditFunction } from './audit-function';
import type { FunctionRuntime } from './function-runtime';
import { mintFunction } from './mint-function';
import { notifyFunction } from './notify-function';
import { reconcileFunction } from './reconcile-function';
import { registerFunction } from './register-function';
import { requestApprovalFunction } from './request-approval-function';
import { resetFunction } from './reset-function';
import { revokeFunction } from './revoke-function';
import { slackInteractionsFunction } from './slack-interactions-function';

/**
 * Every broker function's factory, by entry name: the Lambda entry point `handlers/lambda/<entry>.ts`
 * calls one with the Lambda runtime's environment, the local runners (`sandbox/engine/functions.ts`) call
 * each with theirs. A new entry in the environment contract without a factory here does not compile.
 */
export const BROKER_FUNCTIONS = {
  register: registerFunction,
  'request-approval': requestApprovalFunction,
  mint: mintFunction,
  reset: resetFunction,
  notify: notifyFunction,
  audit: auditFunction,
  revoke: revokeFunction,
  'approval-web': approvalWebFunction,
  'slack-interactions': slackInteractionsFunction,
  reconcile: reconcileFunction,
} as const satisfies { readonly [E in FunctionEntry]: (runtime: FunctionRuntime<E>) => unknown };

/** The handler a function's factory makes. */
export type BrokerHandler<E extends FunctionEntry = FunctionEntry> = ReturnType<(typeof BROKER_FUNCTIONS)[E]>;

/** Builds one broker function's handler from its runtime. */
export function brokerHandler<E extends FunctionEntry>(entry: E, runtime: FunctionRuntime<E>): BrokerHandler<E> {
  const factory = BROKER_FUNCTIONS[entry] as (runtime: FunctionRuntime<E>) => BrokerHandler<E>;
  return factory(runtime);
}
