import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliContext } from '../../../cli/context';
import { runJit } from '../../../cli/main';
import { EXIT } from '../../../cli/exit-codes';
import { parseBrokerNotification } from '../../../handlers/core/broker-notification';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { AgentWorld } from '../../helpers/agent-world';
import { CapturedIo } from '../../helpers/captured-io';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

describe('CLI: jit roles, jit aws-config, jit status, jit revoke faults', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await new AgentWorld().start();
  });
  afterEach(() => world.stop());

  it('lists what may be requested, with limits and the profile of each account', async () => {
    const run = await world.jit('--json', 'roles');
    expect(run.code).toBe(EXIT.OK);
    const { accounts } = JSON.parse(run.stdout) as { accounts: Array<{ name: string; profile: string; roles: Array<{ name: string; maxMinutes: number }> }> };
    expect(accounts.map((a) => [a.name, a.profile])).toEqual([
      ['prod', 'jit-prod'],
      ['staging', 'jit-staging'],
    ]);
    expect(accounts[0].roles.find((r) => r.name === 'Security')?.maxMinutes).toBe(5);
    expect(world.aws.eventBridge.calls()).toHaveLength(0);
  });

  it('prints ~/.aws/config profiles whose credential_process is jit creds by absolute path, with the agent profile, config and endpoint', async () => {
    const run = await world.jit('aws-config', '--agent-profile', 'jit-agent');
    expect(run.code).toBe(EXIT.OK);
    const jit = `${process.execPath} ${join(REPO_ROOT, 'bin', 'jit.js')}`;
    expect(run.stdout).toContain(
      `[profile jit-prod]\ncredential_process = ${jit} creds --account prod --profile jit-agent --config ${EXAMPLE_CONFIG} --endpoint ${world.sts.url}\nregion = eu-west-1`,
    );
    expect(run.stdout).toContain('[profile jit-staging]');
  });

  it('shows an approver the full record, without task token or link hashes', async () => {
    // Prepare
    world.aws.table.items.set('req-status-0001', {
      ...elevationRequest(REVIEW_REQUEST, { requestId: 'req-status-0001' }),
      status: 'PENDING_APPROVAL',
      updatedAt: new Date().toISOString(),
      taskToken: 'secret-task-token',
      approverLinks: { abc: 'security-lead@example.com' },
    });

    // Act
    const run = await world.jit('--json', 'status', 'req-status-0001');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ requestId: 'req-status-0001', status: 'PENDING_APPROVAL', accountName: 'prod' });
    expect(run.stdout).not.toContain('secret-task-token');
    expect(run.stdout).not.toContain('approverLinks');
  });

  it("shows the agent what it was told, without taking other requests' outcomes off the queue", async () => {
    // Prepare
    world.asAgent();
    world.brokerEvent('Pending Approval', { requestId: 'req-status-0002', account: '222222222222' });
    world.brokerEvent('Denied', { requestId: 'req-status-0002', account: '222222222222', reason: 'no' });
    world.brokerEvent('Granted', { requestId: 'req-someone-else', account: '222222222222' });

    // Act
    const run = await world.jit('--json', 'status', 'req-status-0002');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({
      requestId: 'req-status-0002',
      view: 'agent',
      lastOutcome: 'Denied',
      outcomes: [{ outcome: 'Pending Approval' }, { outcome: 'Denied', reason: 'no' }],
      account: 'prod',
      profile: 'jit-prod',
    });
    expect(world.sqs.messages.map((m) => parseBrokerNotification(m.body)?.requestId)).toEqual(['req-someone-else']);
  });

  it('says when nothing is known to the agent about a request', async () => {
    world.asAgent();
    const run = await world.jit('status', 'req-unknown-0001');
    expect(run.code).toBe(EXIT.NOT_FOUND);
    expect(run.stderr).toContain('Nothing known about req-unknown-0001 to this agent');
  });

  it('reports a failing revoke function without claiming anything was revoked', async () => {
    world.aws.functions.set(BROKER_NAMES.revokeFunction, () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledError' })));
    const run = await world.jit('revoke', 'req-status-0003');
    expect(run.code).toBe(EXIT.FAILURE);
    expect(run.stderr).toContain('The revoke function failed: ThrottledError: Rate exceeded');
    expect(run.stderr).toContain('run jit revoke again');
    expect(run.stdout).toBe('');
  });

  it('refuses a malformed request id before calling AWS', async () => {
    for (const command of ['status', 'revoke', 'end']) {
      const run = await world.jit(command, 'not an id');
      expect(run.code).toBe(EXIT.USAGE);
    }
    expect(world.aws.lambda.calls()).toHaveLength(0);
  });
});

describe('CLI: an endpoint that cannot be reached', () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(() => {
    // Keys of their own, so the call gets as far as the network.
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNREACHABLE00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'unreachable-secret';
  });
  afterAll(() => {
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  /** A port on this machine that nothing listens on. */
  const closedPort = async (): Promise<number> => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  const jitAt = async (endpoint: string, ...args: string[]) => {
    const io = new CapturedIo();
    const cache = mkdtempSync(join(tmpdir(), 'jit-unreachable-'));
    class Context extends CliContext {
      override cacheDir(): string {
        return cache;
      }
    }
    try {
      const code = await runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, '--endpoint', endpoint, ...args], { io, context: (o, contextIo) => new Context(o, contextIo) });
      return { code, stderr: io.stderr };
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  };

  it('names the sandbox when the endpoint is on this machine', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const run = await jitAt(endpoint, 'creds', '--account', 'prod', '--no-cache');
    expect(run.code).toBe(EXIT.AWS_ACCESS);
    expect(run.stderr).toContain(`Could not reach ${endpoint} (ECONNREFUSED): is the sandbox running? (npm start)`);
  });

  it('keeps --json errors machine-readable, with the same message', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const run = await jitAt(endpoint, '--json', 'creds', '--account', 'prod', '--no-cache');
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'AWS_ACCESS', exitCode: EXIT.AWS_ACCESS, message: expect.stringContaining('is the sandbox running?') } });
  });
});
