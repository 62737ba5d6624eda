import { SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import { APPROVAL_DENIED_ERROR } from '../../handlers/core/errors';
import { requestDigest } from '../../handlers/core/registration';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation, synthesizedElevation } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-register-0001';
const detail = (overrides: Record<string, unknown> = {}) => ({
  requestId: REQUEST_ID,
  account: 'prod',
  role: 'Ops',
  minutes: 5,
  reason: 'Restart the stuck payment worker',
  plannedActions: [],
  ...overrides,
});
const sfn = new SFNClient({ region: 'eu-west-1' });

describe('Workflow: Register tells its own retry, a redelivery and a different request apart', () => {
  let aws: FakeAws;
  beforeAll(() => synthesizedElevation(), 180_000);
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('refuses a different request under a taken id with its own event, and the first request goes on', async () => {
    // Prepare
    const first = runElevation(aws, requestEvent(detail()));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    const stored = structuredClone(aws.table.items.get(REQUEST_ID));

    // Act: another agent reuses the id for something else.
    const other = await runElevation(aws, requestEvent(detail({ role: 'Deploy', reason: 'Ship the hotfix' }), 'b0000000-0000-4000-8000-000000000009'));

    // Assess
    expect(other).toMatchObject({ status: 'FAILED', error: 'DuplicateRefused', finalState: STATE.duplicateRefused });
    const refused = aws.events.find((e) => e.detailType === 'Elevation Duplicate Refused');
    expect(refused?.detail).toMatchObject({
      requestId: REQUEST_ID,
      account: PROD,
      role: 'Deploy',
      reason: expect.stringContaining('already used by a different request'),
      contentDigest: requestDigest({ requestId: REQUEST_ID, accountId: PROD, role: 'Deploy', minutes: 5, reason: 'Ship the hotfix', plannedActions: [] }),
    });
    // The first request's record, email and wait are untouched; it still ends on its own terms.
    expect(aws.table.items.get(REQUEST_ID)).toEqual(stored);
    expect(aws.emails).toHaveLength(1);
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: APPROVAL_DENIED_ERROR, cause: 'not now' }));
    expect((await first).finalState).toBe(STATE.denied);
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Duplicate Refused', 'Elevation Denied']);
  });
});
