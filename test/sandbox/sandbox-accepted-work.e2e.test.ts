import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { fromIni } from '@aws-sdk/credential-providers';
import { SandboxProcess } from './sandbox-process';

/**
 * What the sandbox answered as accepted survives a crash: `npm start` as a child process is killed
 * (SIGKILL) the moment PutEvents answers, before it could do anything with the events; started again,
 * it serves every request it accepted: each reaches its approver with an email and its event.
 *
 * About 40 s on a 2-core machine shared with other test runs (two sandbox starts); the timeout is four
 * times that.
 */
describe('Sandbox: an accepted event survives a crash right after PutEvents answers', () => {
  let folder: string;
  let sandbox: SandboxProcess | undefined;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-sandbox-accepted-'));
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves after a restart every request whose PutEvents was answered', async () => {
    // Prepare: a sandbox, and the agent's EventBridge client from its env file.
    const running = new SandboxProcess(join(folder, 'home'), 1);
    sandbox = running;
    await running.start();
    const agent = running.env('agent');
    const events = new EventBridgeClient({
      region: agent.AWS_REGION,
      endpoint: running.url,
      credentials: fromIni({ profile: agent.AWS_PROFILE, filepath: agent.AWS_SHARED_CREDENTIALS_FILE, configFilepath: agent.AWS_CONFIG_FILE }),
    });
    const requestIds = ['req-kill-1', 'req-kill-2', 'req-kill-3', 'req-kill-4', 'req-kill-5'];

    // Act: five requests in one PutEvents; the process is killed as soon as the answer is in.
    const answer = await events.send(
      new PutEventsCommand({
        Entries: requestIds.map((requestId) => ({
          EventBusName: 'jit-broker',
          Source: 'jit.agent',
          DetailType: 'Elevation Requested',
          Detail: JSON.stringify({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' }),
        })),
      }),
    );
    await running.stop('SIGKILL');
    events.destroy();
    expect(answer.FailedEntryCount).toBe(0);
    await running.start();

    // Assess: every accepted request is served: pending approval, with its event and its email.
    for (const requestId of requestIds) {
      await running.waitForEvent('Elevation Pending Approval', requestId, 60_000);
      await running.waitForEmail((e) => e.subject.includes(requestId));
    }
    const { requests } = await running.getJson<{ requests: Array<{ requestId: string; status: string }> }>('/');
    expect(requestIds.map((id) => requests.find((r) => r.requestId === id)?.status)).toEqual(requestIds.map(() => 'PENDING_APPROVAL'));
  }, 160_000);
});
