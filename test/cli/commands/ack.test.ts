import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../../handlers/adapters/aws/eventbridge-publisher';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { type ApproverRouteDeps, handleApproverHttp } from '../../../handlers/http/approver-routes';
import { CliContext } from '../../../cli/context';
import { EXIT } from '../../../cli/exit-codes';
import { runJit } from '../../../cli/main';
import { FakeAws } from '../../fakes/fake-aws';
import { ManualClock, RecordingLog, REGION, approvalDeps, approverRouteEvent, pendingRequest } from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';
import { EXAMPLE_CONFIG, exampleSettings } from '../../helpers/synth';
import { CapturedIo } from '../../helpers/captured-io';

const ONCALL = 'oncall@example.com';
const LEAD = 'security-lead@example.com';
const PRINCIPALS = { [ONCALL]: 'arn:aws:iam::111111111111:user/oncall', [LEAD]: 'arn:aws:iam::111111111111:user/security-lead' };
const APPROVALS_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

/**
 * `jit approve --break-glass` and `jit ack` against the approver routes. The SigV4 check API Gateway makes
 * is proven in approvals.test.ts; here the signed call reaches the routes as the caller `as` names.
 */
describe('CLI: jit approve --break-glass, jit ack', () => {
  let aws: FakeAws;
  let clock: ManualClock;
  let deps: ApproverRouteDeps;
  let io: CapturedIo;
  let as: string;
  const saved = { ...process.env };
  const jit = (...args: string[]) =>
    runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, ...args], { io: (io = new CapturedIo()), context: (options, contextIo) => new CliContext(options, contextIo, clock) });

  beforeEach(async () => {
    aws = new FakeAws(['222222222222', '333333333333']);
    clock = new ManualClock(new Date());
    const settings = {
      ...exampleSettings(),
      approvers: [ONCALL, LEAD],
      approverPrincipals: { [ONCALL]: [PRINCIPALS[ONCALL]], [LEAD]: [PRINCIPALS[LEAD]] },
      breakGlassRoles: { Ops: { maxMinutes: 15 } },
    };
    deps = {
      ...approvalDeps(settings, clock),
      publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), BROKER_NAMES.eventBus),
      revoke: () => Promise.reject(new Error('not in these tests')),
    };
    await pendingRequest(aws, deps, elevationRequest(REVIEW_REQUEST, { requester: ONCALL, minutes: 10 }));
    as = PRINCIPALS[ONCALL];
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAAPPROVEREXAMPLE1', AWS_SECRET_ACCESS_KEY: 'approver-secret-access-key-example-0000000', JIT_APPROVALS_URL: APPROVALS_URL });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = new URL(String(input));
      const body = typeof init?.body === 'string' && init.body.length > 0 ? (JSON.parse(init.body) as unknown) : undefined;
      const result = await handleApproverHttp(approverRouteEvent(init?.method ?? 'GET', url.pathname, as, body), deps, new RecordingLog());
      return new Response(String(result.body ?? ''), { status: result.statusCode ?? 200 });
    });
  });
  afterEach(() => {
    aws.restore();
    jest.restoreAllMocks();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'JIT_APPROVALS_URL', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('breaks glass as the requester, shows the post-review mark in jit status, and acks it once as another approver', async () => {
    // Act
    const approved = await jit('approve', 'req-review-0001', '--break-glass', '--reason', 'Payments are down');
    const approvedNote = io.stderr;
    as = PRINCIPALS[LEAD];
    const status = await jit('status', 'req-review-0001');
    const statusText = io.stdout;
    const acked = await jit('ack', 'req-review-0001');
    const ackText = io.stdout;
    const again = await jit('ack', 'req-review-0001');
    const againText = io.stdout;

    // Assess
    expect(approved).toBe(EXIT.OK);
    expect(approvedNote).toContain('every approver was alerted');
    expect(status).toBe(EXIT.OK);
    expect(statusText).toContain('break-glass: Payments are down (at most 15 minutes)');
    expect(statusText).toContain(`POST-REVIEW PENDING: break-glass by ${ONCALL}; another approver acknowledges it with: jit ack req-review-0001`);
    expect(acked).toBe(EXIT.OK);
    expect(ackText).toContain(`Acknowledged the break-glass approval of req-review-0001 (as ${LEAD} at `);
    expect(again).toBe(EXIT.OK);
    expect(againText).toContain(`Already acknowledged: the break-glass approval of req-review-0001 was acknowledged by ${LEAD} at `);
    expect(againText).toContain('Nothing changed.');
  });

  it('refuses --break-glass without a reason, and the operator acking their own', async () => {
    // Act
    const noReason = await jit('approve', 'req-review-0001', '--break-glass');
    const noReasonText = io.stderr;
    await jit('approve', 'req-review-0001', '--break-glass', '--reason', 'Payments are down');
    const ownAck = await jit('ack', 'req-review-0001');
    const ownAckText = io.stderr;

    // Assess
    expect(noReason).toBe(EXIT.INVALID_DECISION);
    expect(noReasonText).toContain('no break-glass: reason: break-glass needs a reason');
    expect(ownAck).toBe(EXIT.REFUSED);
    expect(ownAckText).toContain('another approver must acknowledge it');
  });
});
