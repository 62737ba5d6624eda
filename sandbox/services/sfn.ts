import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { LocalTaskTokens, TaskTimedOutError } from '../../workflows/local/task-tokens';
import { type JsonOperation, type ServiceEmulation, handleJson, requiredString } from './service';

/** SendTaskFailure allows at most 256 characters of error and 32,768 of cause. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

/**
 * Step Functions' callback API over the sandbox's executions: SendTaskSuccess and SendTaskFailure answer
 * a waiting `.waitForTaskToken` task once, with the service's rules (LocalTaskTokens): a second answer, an
 * unknown token, or one past its task's timeout gets `TaskTimedOut`. SendTaskHeartbeat is accepted for a
 * waiting token. Authorized on the state machine, as the approver policy grants it.
 */
export class SfnEmulation implements ServiceEmulation {
  readonly signingNames = ['states'];

  constructor(
    private readonly tokens: LocalTaskTokens,
    private readonly stateMachineArn: string,
    private readonly authorizer: Authorizer,
  ) {}

  handle(call: AwsCall) {
    const answer = (send: () => void) => {
      try {
        send();
        return {};
      } catch (error) {
        if (error instanceof TaskTimedOutError) throw new AwsError('TaskTimedOut', error.message, 400);
        throw error;
      }
    };
    const operations: Record<string, JsonOperation> = {
      SendTaskSuccess: (input) => {
        this.authorize(call, 'states:SendTaskSuccess');
        const output = requiredString(input, 'output');
        try {
          JSON.parse(output);
        } catch {
          throw new AwsError('InvalidOutput', 'The output is not valid JSON.', 400);
        }
        return answer(() => this.tokens.sendTaskSuccess(requiredString(input, 'taskToken', 'InvalidToken'), output));
      },
      SendTaskFailure: (input) => {
        this.authorize(call, 'states:SendTaskFailure');
        const error = String(input.error ?? 'States.TaskFailed').slice(0, MAX_ERROR);
        const cause = String(input.cause ?? '').slice(0, MAX_CAUSE);
        return answer(() => this.tokens.sendTaskFailure(requiredString(input, 'taskToken', 'InvalidToken'), error, cause));
      },
      SendTaskHeartbeat: (input) => {
        this.authorize(call, 'states:SendTaskHeartbeat');
        if (!this.tokens.isWaiting(requiredString(input, 'taskToken', 'InvalidToken'))) throw new AwsError('TaskTimedOut', new TaskTimedOutError().message, 400);
        return {};
      },
    };
    return handleJson(call, 'Step Functions', '1.0', operations);
  }

  private authorize(call: AwsCall, action: string): void {
    this.authorizer.authorize(call, action, this.stateMachineArn);
    call.note.resources.push({ type: 'AWS::StepFunctions::StateMachine', name: this.stateMachineArn });
  }
}
