import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';

const FIRST = 'req-lease-first-01';
const SECOND = 'req-lease-second-02';
const detail = (requestId: string, overrides: Record<string, unknown> = {}) => ({
  requestId,
  account: 'prod',
  role: 'Ops',
  minutes: 15,
  reason: 'Restart the stuck payment worker',
  ...overrides,
});
const approval = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ role: 'Ops', minutes: 15, approver: 'security-lead@example.com', decidedAt: new Date().toISOString(), ...overrides });
// The first test synthesizes the broker: a minute on a busy machine.
jest.setTimeout(300_000);

const sfn = new SFNClient({ region: 'eu-west-1' });

async function approve(aws: FakeAws, requestId: string, overrides: Record<string, unknown> = {}): Promise<void> {
  const token = await pendingTaskToken(aws, requestId);
  await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval(overrides) }));
}

describe('Workflow: one live grant per agent and account', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('refuses a second approved grant while the first is live: nothing minted, the first keeps its secret', async () => {
    // Prepare: both requests wait for a decision before either is minted, so only the mint can refuse.
    let secondResult: Awaited<ReturnType<typeof runElevation>> | undefined;
    let secretAfterSecond: unknown;
    const second = runElevation(aws, requestEvent(detail(SECOND, { role: 'Deploy', minutes: 30 }), 'a0000000-0000-4000-8000-000000000002'));
    const first = runElevation(aws, requestEvent(detail(FIRST)), {
      beforeTask: async (state) => {
        if (state !== STATE.notifyGranted) return;
        // The first grant is live; now the second one is approved.
        await approve(aws, SECOND, { role: 'Deploy', minutes: 30 });
        secondResult = await second;
        secretAfterSecond = aws.secret(PROD);
      },
    });
    await pendingTaskToken(aws, SECOND);

    // Act
    await approve(aws, FIRST);
    const firstResult = await first;

    // Assess
    expect(firstResult.finalState).toBe(STATE.audited);
    expect(secondResult).toMatchObject({ status: 'FAILED', error: 'GrantAlreadyLive', finalState: STATE.grantAlreadyLive });
    expect(aws.minted).toHaveLength(1);
    expect(secretAfterSecond).toMatchObject({ RequestId: FIRST, AccessKeyId: aws.minted[0].accessKeyId, RoleName: 'AgentElevated-Ops' });
    const refused = aws.events.find((e) => e.detailType === 'Elevation Refused');
    expect(refused?.detail).toMatchObject({ requestId: SECOND, account: PROD, liveRequestId: FIRST, status: 'REFUSED' });
    expect(String(refused?.detail.reason)).toMatch(new RegExp(`a grant is live for jit-agent in ${PROD} \\(request ${FIRST} until .+Z\\); end it \\(jit end ${FIRST}\\) and ask again`));
    expect(aws.events.filter((e) => e.detailType === 'Elevation Granted').map((e) => e.detail.requestId)).toEqual([FIRST]);
    expect(aws.table.items.get(SECOND)).toMatchObject({ status: 'REFUSED' });
  });
});
