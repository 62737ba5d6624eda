import aslValidator from 'asl-validator';
import { STATE } from '../../workflows/state-names';
import { synthesizedElevation } from '../helpers/elevation-harness';

const { definition } = synthesizedElevation().workflow;
const states = definition.States;

describe('Synthesized elevation state machine', () => {
  it('is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(definition);
    expect(errorsText()).toBe('');
    expect(isValid).toBe(true);
  });

  it('waits for the approver with a task token and times out at the approval window', () => {
    expect(states[STATE.awaitApproval]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 30 * 60,
      Parameters: { Payload: { 'taskToken.$': '$$.Task.Token', 'request.$': '$.request' } },
    });
  });

  it('catches the approval timeout and the named denial on their own paths', () => {
    const catches = (states[STATE.awaitApproval].Catch as Array<{ ErrorEquals: string[]; Next: string }>).map((c) => [c.ErrorEquals[0], c.Next]);
    expect(catches).toEqual([
      ['States.Timeout', STATE.notifyApprovalExpired],
      ['ApprovalDeniedError', STATE.notifyDenied],
      ['States.ALL', STATE.notifyApprovalFailed],
    ]);
  });

  it('waits until the grant timestamp before the reset', () => {
    expect(states[STATE.waitUntilExpiry]).toMatchObject({ Type: 'Wait', TimestampPath: '$.grant.expiresAt', Next: STATE.reset });
  });

  it('plans the notice before expiry after the grant and after taking over an extension, and never lets it stand in the way of the reset', () => {
    expect(states[STATE.notifyGranted]).toMatchObject({ Next: STATE.planNotice });
    expect(states[STATE.takeExtension]).toMatchObject({ Next: STATE.planNotice });
    expect(states[STATE.planNotice]).toMatchObject({ Type: 'Task', ResultPath: '$.notice', Parameters: { mode: 'plan-notice', 'grant.$': '$.grant' }, Next: STATE.isNoticeDue });
    expect(states[STATE.isNoticeDue]).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.notice.due', BooleanEquals: true, Next: STATE.waitUntilNotice }], Default: STATE.waitUntilExpiry });
    expect(states[STATE.waitUntilNotice]).toMatchObject({ Type: 'Wait', TimestampPath: '$.notice.at', Next: STATE.notifyExpiring });
    expect(states[STATE.notifyExpiring]).toMatchObject({ Type: 'Task', ResultPath: null, Parameters: { mode: 'expiring', 'request.$': '$.request', 'grantId.$': '$.notice.grantId' }, Next: STATE.waitUntilExpiry });
    for (const name of [STATE.planNotice, STATE.notifyExpiring]) {
      expect(states[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.noticeError', Next: STATE.waitUntilExpiry }]);
    }
  });

  it('retries throttling with backoff and full jitter on every task', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(10);
    for (const [name, state] of tasks) {
      const retries = (state.Retry ?? []) as Array<{ ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number }>;
      const throttling = retries.find((r) => r.ErrorEquals.includes('ThrottledError'));
      expect({ name, throttling }).toEqual({ name, throttling: expect.objectContaining({ JitterStrategy: 'FULL', BackoffRate: 2 }) });
    }
  });

  it('publishes an event on every way out', () => {
    const terminal = Object.entries(states).filter(([, s]) => s.Type === 'Fail' || (s.Type === 'Succeed' && s.Comment === undefined));
    const leadsTo = new Map<string, string[]>();
    for (const [name, s] of Object.entries(states)) {
      const next = [s.Next, ...((s.Catch as Array<{ Next: string }> | undefined) ?? []).map((c) => c.Next)].filter(Boolean) as string[];
      for (const n of next) leadsTo.set(n, [...(leadsTo.get(n) ?? []), name]);
    }
    for (const [name] of terminal) {
      const before = leadsTo.get(name) ?? [];
      expect({ name, before }).toEqual({ name, before: [expect.stringMatching(/^Notify/)] });
    }
  });
});
