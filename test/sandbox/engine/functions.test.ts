import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { loadBrokerFunctions } from '../../../sandbox/engine/functions';
import { deployedWorkflow } from '../../../sandbox/template/deployed-workflow';
import { synthesizedStack } from '../../helpers/iam-template';
import { synthApp } from '../../helpers/synth';

const stack = synthesizedStack(synthApp().stacks.broker);
const AT = new Date('2030-01-02T03:04:05Z');
const host = { clock: { now: () => AT }, logLevel: 'SILENT', region: stack.region, aws: { region: stack.region } };

/** Every function ARN a state of the definition invokes: a plain Lambda `Resource`, or `lambda:invoke`'s `FunctionName`. */
function invokedFunctionArns(states: Record<string, { Resource?: string; Parameters?: unknown }>): string[] {
  return Object.values(states).flatMap((state) => {
    if (state.Resource?.startsWith('arn:aws:lambda:')) return [state.Resource];
    const name = (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName;
    return typeof name === 'string' ? [name] : [];
  });
}

describe('Loader: the deployed broker functions, run in one process', () => {
  it('resolves every function the state machine invokes to the ARN the loader gives that function', () => {
    // Prepare
    const { definition } = deployedWorkflow(stack);

    // Act
    const loaded = new Set(loadBrokerFunctions(stack, host).map((fn) => fn.arn));

    // Assess
    const invoked = invokedFunctionArns(definition.States);
    expect(invoked.length).toBeGreaterThan(5);
    expect(invoked.filter((arn) => !loaded.has(arn))).toEqual([]);
  });

  it('takes each function\'s settings from the synthesized stack and refuses settings of another digest, as the bundled file would be refused', () => {
    expect(stack.settings).toBeDefined();
    expect(() => loadBrokerFunctions(stack, host)).not.toThrow();
    const other = { ...stack, settings: stack.settings!.replace('"Ops"', '"Opz"') };
    expect(() => loadBrokerFunctions(other, host)).toThrow(expect.objectContaining({ name: 'SettingsFileError', message: expect.stringMatching(/JIT_SETTINGS_SHA256/) }));
    const none = { ...stack, settings: undefined };
    expect(() => loadBrokerFunctions(none, host)).toThrow(/jit-settings.json is not there/);
  });

  it("runs a function on the host's clock with its template environment, and leaves process.env alone", async () => {
    // Prepare
    const table = mockClient(DynamoDBDocumentClient);
    table.on(PutCommand).resolves({});
    // Register reads the agent's grant lease for the account: none is live.
    table.on(GetCommand).resolves({});
    const before = { ...process.env };
    try {
      // Act
      const register = loadBrokerFunctions(stack, host).find((fn) => fn.entry === 'register');
      // Register's input is the state machine's envelope: the event and the execution's id.
      await register?.handler({
        event: {
          version: '0',
          id: 'f3b6c1a2-6a0e-4a4e-9d0e-3f1f4a6b7c8d',
          'detail-type': 'Elevation Requested',
          source: 'jit.agent',
          account: stack.account,
          time: AT.toISOString(),
          region: stack.region,
          resources: [],
          detail: { requestId: 'req-loader-0001', account: 'prod', role: 'Ops', minutes: 5, reason: 'Read the logs' },
        },
        executionId: `arn:aws:states:${stack.region}:${stack.account}:execution:jit-elevation:loader-0001`,
      });

      // Assess
      const put = table.commandCalls(PutCommand)[0]?.args[0].input;
      expect(put).toMatchObject({ TableName: BROKER_NAMES.requestTable, Item: { requestId: 'req-loader-0001', requestedAt: AT.toISOString() } });
      expect(process.env).toEqual(before);
    } finally {
      table.restore();
    }
  });
});
