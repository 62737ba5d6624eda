import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnTaskCallbacks } from '../../../handlers/adapters/aws/sfn-task-callbacks';
import type { ApprovalDecision } from '../../../handlers/core/approval-decision';
import type { TaskCallbacks } from '../../../handlers/ports/task-callbacks';
import { LocalTaskTokens } from '../../../workflows/local/task-tokens';
import { FakeAws } from '../../fakes/fake-aws';
import { InMemoryTaskCallbacks } from '../../fakes/ports/in-memory-task-callbacks';

/**
 * The task callbacks' contract (`handlers/ports/task-callbacks.ts`), run against both implementations:
 * the Step Functions adapter over the SDK fake's task tokens, and the in-memory fake use-case tests rely on.
 */
interface Subject {
  readonly callbacks: TaskCallbacks;
  /** A `.waitForTaskToken` task starts waiting for the token. */
  readonly wait: (taskToken: string) => void;
  /** The waiting task times out, or its execution stops. */
  readonly expire: (taskToken: string) => void;
  readonly close: () => void;
}

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'SfnTaskCallbacks over the Step Functions SDK fake',
    () => {
      const aws = new FakeAws(['222222222222']);
      return {
        callbacks: new SfnTaskCallbacks(new SFNClient({ region: 'eu-west-1' })),
        wait: (taskToken) => void aws.tokens.wait(taskToken, 3600).catch(() => undefined),
        expire: (taskToken) => aws.tokens.cancel(taskToken),
        close: () => aws.restore(),
      };
    },
  ],
  [
    'InMemoryTaskCallbacks',
    () => {
      const callbacks = new InMemoryTaskCallbacks();
      return { callbacks, wait: (t) => callbacks.wait(t), expire: (t) => callbacks.expire(t), close: () => undefined };
    },
  ],
];

const DECISION: ApprovalDecision = { role: 'Ops', minutes: 5, approver: 'a@example.com', decidedAt: '2026-11-28T10:05:00.000Z', channel: 'web' };

describe.each(IMPLEMENTATIONS)('TaskCallbacks contract: %s', (_name, open) => {
  let subject: Subject;
  let token: string;
  beforeEach(() => {
    subject = open();
    token = LocalTaskTokens.newToken();
  });
  afterEach(() => subject.close());

  it('delivers the first answer to a waiting task, and calls a second one gone', async () => {
    // Prepare
    subject.wait(token);

    // Act
    const first = await subject.callbacks.approve(token, DECISION);
    const second = await subject.callbacks.approve(token, DECISION);

    // Assess
    expect([first, second]).toEqual(['delivered', 'gone']);
  });

  it('delivers a denial, after which an approval is gone', async () => {
    // Prepare
    subject.wait(token);

    // Act
    const denied = await subject.callbacks.deny(token, 'not now');
    const approved = await subject.callbacks.approve(token, DECISION);

    // Assess
    expect([denied, approved]).toEqual(['delivered', 'gone']);
  });

  it('calls an answer gone when the task timed out or never waited', async () => {
    // Prepare
    subject.wait(token);
    subject.expire(token);

    // Act
    const expired = await subject.callbacks.approve(token, DECISION);
    const unknown = await subject.callbacks.deny(LocalTaskTokens.newToken(), 'no');

    // Assess
    expect([expired, unknown]).toEqual(['gone', 'gone']);
  });
});
