import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetCommandInput, PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { ENVIRONMENT_VARIABLES, SETTINGS_FILE, settingsDigest } from '../../../handlers/core/function-environment';
import { exampleSettings } from '../../helpers/synth';

type Entry = { handler: (event: unknown) => Promise<unknown> };
type Libs = { ddb: typeof import('@aws-sdk/lib-dynamodb'); mock: typeof import('aws-sdk-client-mock') };

/**
 * Loads a Lambda entry module afresh with this environment, as a new Lambda execution environment would;
 * `prepare` runs first in the same fresh module registry (to mock the SDK clients the module will create).
 */
function loadEntry(entry: string, env: Record<string, string>, prepare: (libs: Libs) => void = () => undefined): Entry {
  const saved = { ...process.env };
  for (const name of Object.values(ENVIRONMENT_VARIABLES)) delete process.env[name];
  Object.assign(process.env, env);
  try {
    let loaded: Entry | undefined;
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      prepare({ ddb: require('@aws-sdk/lib-dynamodb') as Libs['ddb'], mock: require('aws-sdk-client-mock') as Libs['mock'] });
      loaded = require(`../../../handlers/lambda/${entry}`) as Entry;
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    if (!loaded) throw new Error(`handlers/lambda/${entry} did not load`);
    return loaded;
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** A function's code folder as Lambda's LAMBDA_TASK_ROOT names it, holding a settings file, removed after `run`. */
function withTaskRoot<T>(settings: string | undefined, run: (taskRoot: string) => T): T {
  const taskRoot = mkdtempSync(join(tmpdir(), 'jit-task-root-'));
  try {
    if (settings !== undefined) writeFileSync(join(taskRoot, SETTINGS_FILE), settings);
    return run(taskRoot);
  } finally {
    rmSync(taskRoot, { recursive: true, force: true });
  }
}

describe('Lambda entry points', () => {
  it('refuse to start without their variables, naming each one missing', () => {
    expect(() => loadEntry('register', {})).toThrow(expect.objectContaining({ name: 'MissingEnvironmentError', message: expect.stringMatching(/JIT_SETTINGS_SHA256.*REQUEST_TABLE/) }));
  });

  it('refuse to start with a bundled settings file that is not the deployed one, or none', () => {
    const settings = JSON.stringify(exampleSettings());
    const env = (taskRoot: string) => ({ LAMBDA_TASK_ROOT: taskRoot, JIT_SETTINGS_SHA256: settingsDigest(settings), REQUEST_TABLE: 't' });
    withTaskRoot(settings.replace('"Ops"', '"Opz"'), (root) =>
      expect(() => loadEntry('register', env(root))).toThrow(expect.objectContaining({ name: 'SettingsFileError', message: expect.stringMatching(/jit-settings.json has SHA-256 [0-9a-f]{64}, but JIT_SETTINGS_SHA256 is/) })),
    );
    withTaskRoot(undefined, (root) => expect(() => loadEntry('register', env(root))).toThrow(expect.objectContaining({ name: 'SettingsFileError', message: expect.stringMatching(/is not there/) })));
  });

  it('read their variables from the Lambda environment at start-up and run their function with them', async () => {
    // Prepare
    const puts: PutCommandInput[] = [];
    const gets: GetCommandInput[] = [];
    let restore = () => undefined as void;
    try {
      const settings = JSON.stringify(exampleSettings());
      const env = (taskRoot: string) => ({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: taskRoot, JIT_SETTINGS_SHA256: settingsDigest(settings), REQUEST_TABLE: 'table-from-the-environment' });
      // The settings are read at start-up: the code folder is gone again before the first invocation.
      const { handler } = withTaskRoot(settings, (root) => loadEntry('register', env(root), ({ ddb, mock }) => {
        const table = mock.mockClient(ddb.DynamoDBDocumentClient);
        table.on(ddb.PutCommand).callsFake((input: PutCommandInput) => void puts.push(input));
        // Register reads the agent's grant lease first; none is held.
        table.on(ddb.GetCommand).callsFake((input: GetCommandInput) => {
          gets.push(input);
          return {};
        });
        restore = () => table.restore();
      }));

      // Act: the variables are gone again; the function keeps what it read at start-up. The input is the
      // state machine's envelope: the event and the execution's id.
      await handler({
        event: {
          version: '0',
          id: 'f3b6c1a2-6a0e-4a4e-9d0e-3f1f4a6b7c8d',
          'detail-type': 'Elevation Requested',
          source: 'jit.agent',
          account: '111111111111',
          time: '2026-11-28T10:00:00Z',
          region: 'eu-west-1',
          resources: [],
          detail: { requestId: 'req-entry-0001', account: 'prod', role: 'Ops', minutes: 5, reason: 'Read the logs' },
        },
        executionId: 'arn:aws:states:eu-west-1:111111111111:execution:jit-elevation:entry-0001',
      });

      // Assess
      expect(gets).toEqual([expect.objectContaining({ TableName: 'table-from-the-environment', Key: { requestId: 'LEASE#default#222222222222' } })]);
      expect(puts).toEqual([expect.objectContaining({ TableName: 'table-from-the-environment', Item: expect.objectContaining({ requestId: 'req-entry-0001' }) })]);
    } finally {
      restore();
    }
  });
});
