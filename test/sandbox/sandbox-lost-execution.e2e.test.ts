import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { fromIni } from '@aws-sdk/credential-providers';
import { SandboxProcess } from './sandbox-process';

/** The execution file of a request, by the request id in the event that started it. */
function executionFileOf(home: string, requestId: string): string {
  const folder = join(home, 'executions');
  const name = readdirSync(folder).find((f) => f.endsWith('.json') && readFileSync(join(folder, f), 'utf8').includes(`"requestId": "${requestId}"`));
  if (!name) throw new Error(`No execution of ${requestId} in ${folder}`);
  return join(folder, name);
}

/**
 * An execution the sandbox cannot continue (its file deleted, or cut short) does not leave its request
 * pending forever: after a restart the request ends FAILED with the broker's "Elevation Failed" event and
 * a reason, the home page and the log say so, and the damaged file is left as it was.
 *
 * About 45 s on a 2-core machine shared with other test runs (two sandbox starts); the timeout is four
 * times that.
 */
describe('Sandbox: a lost execution ends its request visibly', () => {
  let folder: string;
  let sandbox: SandboxProcess | undefined;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-sandbox-lost-'));
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('fails a request whose execution file was deleted, and one whose file was cut short, with their events', async () => {
    // Prepare: three requests pending approval.
    const home = join(folder, 'home');
    const running = new SandboxProcess(home, 1);
    sandbox = running;
    await running.start();
    const agent = running.env('agent');
    const events = new EventBridgeClient({
      region: agent.AWS_REGION,
      endpoint: running.url,
      credentials: fromIni({ profile: agent.AWS_PROFILE, filepath: agent.AWS_SHARED_CREDENTIALS_FILE, configFilepath: agent.AWS_CONFIG_FILE }),
    });
    const ids = { deleted: 'req-lost-deleted', damaged: 'req-lost-damaged', kept: 'req-lost-kept' };
    await events.send(
      new PutEventsCommand({
        Entries: Object.values(ids).map((requestId) => ({
          EventBusName: 'jit-broker',
          Source: 'jit.agent',
          DetailType: 'Elevation Requested',
          Detail: JSON.stringify({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' }),
        })),
      }),
    );
    events.destroy();
    for (const requestId of Object.values(ids)) await running.waitForEvent('Elevation Pending Approval', requestId);

    // Act: stopped; one execution file deleted, another cut short; started again.
    await running.stop();
    rmSync(executionFileOf(home, ids.deleted));
    const damagedFile = executionFileOf(home, ids.damaged);
    const damaged = readFileSync(damagedFile, 'utf8').slice(0, 60);
    writeFileSync(damagedFile, damaged);
    await running.start();

    // Assess: both requests end FAILED with the broker's failure event and a reason; the third still waits.
    for (const requestId of [ids.deleted, ids.damaged]) {
      const failed = await running.waitForEvent('Elevation Failed', requestId, 60_000);
      expect(failed.detail).toMatchObject({ requestId, status: 'FAILED', stage: 'sandbox', reason: expect.stringMatching(/execution .*(missing|cannot be read)/) });
    }
    const home1 = await running.getJson<{ requests: Array<{ requestId: string; status: string; failure?: string }>; lostExecutions: Array<{ requestId: string; reason: string }>; unreadableExecutionFiles: Array<{ file: string; reason: string }> }>('/');
    const status = (id: string) => home1.requests.find((r) => r.requestId === id)?.status;
    expect([status(ids.deleted), status(ids.damaged), status(ids.kept)]).toEqual(['FAILED', 'FAILED', 'PENDING_APPROVAL']);
    // Only requests are listed, not the request table's quota or lease items.
    expect(home1.requests.map((r) => r.requestId).sort()).toEqual(Object.values(ids).sort());
    // The home page and the log name what was lost, and the file that cannot be read.
    expect(home1.lostExecutions.map((l) => l.requestId).sort()).toEqual([ids.damaged, ids.deleted]);
    expect(home1.unreadableExecutionFiles.map((u) => u.file)).toEqual([damagedFile]);
    const html = await (await fetch(`${running.url}/`)).text();
    expect(html).toContain(ids.deleted);
    expect(html).toContain(damagedFile);
    expect(running.output).toMatch(new RegExp(`request ${ids.deleted} .*FAILED`));
    expect(running.output).toMatch(new RegExp(`request ${ids.damaged} .*FAILED`));
    // The damaged file is left exactly as it was.
    expect(readFileSync(damagedFile, 'utf8')).toBe(damaged);
  }, 180_000);
});
