import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { STATE } from '../../workflows/state-names';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';

// Log everything the handlers can log, then look for secrets in it.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

describe('Log hygiene', () => {
  it('never logs a secret key, session token, task token or approval capability on the approve path', async () => {
    // Prepare
    const aws = newFakeAws();
    const captured: string[] = [];
    const record = (chunk: unknown) => {
      captured.push(String(chunk));
      return true;
    };
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(record);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(record);
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void captured.push(args.map(String).join(' '))),
    );

    try {
      // Act
      let secretWhileActive: Record<string, string> = {};
      const run = runElevation(aws, requestEvent({ requestId: 'req-logs-0001', account: 'prod', role: 'Ops', minutes: 5, reason: 'Check the logs' }), {
        beforeTask: (state) => {
          if (state === STATE.reset) secretWhileActive = aws.secret(PROD) as Record<string, string>;
        },
      });
      const token = await pendingTaskToken(aws, 'req-logs-0001');
      const capability = /[?&]c=([A-Za-z0-9_-]+)/.exec(aws.emails[0].text)?.[1];
      await new SFNClient({ region: 'eu-west-1' }).send(
        new SendTaskSuccessCommand({
          taskToken: token,
          output: JSON.stringify({ role: 'Ops', minutes: 5, approver: 'lead@example.com', decidedAt: new Date().toISOString() }),
        }),
      );
      const result = await run;

      // Assess
      expect(result.finalState).toBe(STATE.audited);
      const logs = captured.join('\n');
      expect(logs).toContain('grant minted');
      expect(logs).toContain('approval requested');
      for (const [what, value] of [
        ['secret access key', secretWhileActive.SecretAccessKey],
        ['session token', secretWhileActive.SessionToken],
        ['task token', token],
        ['approval capability', capability],
      ] as const) {
        expect(value ?? '').not.toBe('');
        expect({ what, leaked: logs.includes(String(value)) }).toEqual({ what, leaked: false });
      }
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      consoleSpies.forEach((s) => s.mockRestore());
      aws.restore();
    }
  });
});
