import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { ApprovalDecision } from '../../core/approval-decision';
import { APPROVAL_DENIED_ERROR } from '../../core/errors';
import type { CallbackResult, TaskCallbacks } from '../../ports/task-callbacks';

/** SendTaskFailure allows at most 32,768 characters of cause; a denial reason is far shorter. */
const MAX_CAUSE = 32_768;

/**
 * Answers the AwaitApproval task through Step Functions. A token that nothing waits for any more —
 * `TaskTimedOut` (timed out, or already answered: docs/aws-facts.md), `TaskDoesNotExist` (execution stopped or
 * too old) or `InvalidToken` — is reported as `gone` instead of thrown, so the caller can tell the
 * approver the request can no longer be decided.
 */
export class SfnTaskCallbacks implements TaskCallbacks {
  constructor(private readonly client: SFNClient) {}

  approve(taskToken: string, decision: ApprovalDecision): Promise<CallbackResult> {
    return this.answer(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(decision) })));
  }

  deny(taskToken: string, reason: string): Promise<CallbackResult> {
    return this.answer(() =>
      this.client.send(new SendTaskFailureCommand({ taskToken, error: APPROVAL_DENIED_ERROR, cause: reason.slice(0, MAX_CAUSE) })),
    );
  }

  private async answer(send: () => Promise<unknown>): Promise<CallbackResult> {
    try {
      await send();
      return 'delivered';
    } catch (error) {
      if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken) return 'gone';
      throw error;
    }
  }
}
