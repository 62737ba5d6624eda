import type { GetCommandInput, PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { ENVIRONMENT_VARIABLES } from '../../../handlers/core/function-environment';
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

describe('Lambda entry points', () => {
  it('refuse to start without their variables, naming each one missing', () => {
    expect(() => loadEntry('register', {})).toThrow(expect.objectContaining({ name: 'MissingEnvironmentError', message: expect.stringMatching(/JIT_SETTINGS.*REQUEST_TABLE/) }));
  });

  it('read their variables from the Lambda environment at start-up and run their function with them', async () => {
    // Prepare
    const puts: PutCommandInput[] = [];
    const gets: GetCommandInput[] = [];
    let restore = () => undefined as void;
    try {
      const { handler } = loadEntry('register', { AWS_REGION: 'eu-west-1', JIT_SETTINGS: JSON.stringify(exampleSettings()), REQUEST_TABLE: 'table-from-the-environment' }, ({ ddb, mock }) => {
        const table = mock.mockClient(ddb.DynamoDBDocumentClient);
        table.on(ddb.PutCommand).callsFake((input: PutCommandInput) => void puts.push(input));
        // Register reads the agent's grant lease first; none is held.
        table.on(ddb.GetCommand).callsFake((input: GetCommandInput) => {
          gets.push(input);
          return {};
        });
        restore = () => table.restore();
      });

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
