import type { ApprovalDecision } from '../../../handlers/core/approval-decision';
import type { CallbackResult, TaskCallbacks } from '../../../handlers/ports/task-callbacks';

export type TaskAnswer = { readonly taskToken: string } & ({ readonly action: 'approve'; readonly decision: ApprovalDecision } | { readonly action: 'deny'; readonly reason: string });

/**
 * The task callbacks' contract in memory: a token is answered once while its task waits; any later answer,
 * or one for a token whose task timed out or never existed, is `gone` and changes nothing (Step Functions
 * answers a second SendTaskSuccess with TaskTimedOut, which the adapter reports as `gone`).
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
export class InMemoryTaskCallbacks implements TaskCallbacks {
  /** Every answer sent, delivered or not, in order. */
  readonly sent: TaskAnswer[] = [];
  /** Answers that reached a waiting task, in order. */
  readonly delivered: TaskAnswer[] = [];
  private readonly waiting = new Set<string>();

  /** A task starts waiting for `taskToken` (what `.waitForTaskToken` does). */
  wait(taskToken: string): void {
    this.waiting.add(taskToken);
  }

  /** The waiting task times out or its execution stops. */
  expire(taskToken: string): void {
    this.waiting.delete(taskToken);
  }

  async approve(taskToken: string, decision: ApprovalDecision): Promise<CallbackResult> {
    return this.answer({ taskToken, action: 'approve', decision: structuredClone(decision) });
  }

  async deny(taskToken: string, reason: string): Promise<CallbackResult> {
    return this.answer({ taskToken, action: 'deny', reason });
  }

  private answer(answer: TaskAnswer): CallbackResult {
    this.sent.push(answer);
    if (!this.waiting.delete(answer.taskToken)) return 'gone';
    this.delivered.push(answer);
    return 'delivered';
  }
}
