import type { ApprovalDecision } from '../core/approval-decision';

/**
 * `delivered`: the waiting task took the answer. `gone`: nothing waits for this token any more — the task
 * timed out, was answered already, or its execution stopped — so the answer changed nothing.
 */
export type CallbackResult = 'delivered' | 'gone';

/** Answers a task waiting for a human (`.waitForTaskToken`). Faults other than `gone` are thrown. */
export interface TaskCallbacks {
  approve(taskToken: string, decision: ApprovalDecision): Promise<CallbackResult>;
  /** Fails the task with the error name the workflow catches as a denial, and the reason as the cause. */
  deny(taskToken: string, reason: string): Promise<CallbackResult>;
}
