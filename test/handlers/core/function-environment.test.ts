import { createHash } from 'node:crypto';
import { MissingEnvironmentError, SettingsFileError } from '../../../handlers/core/errors';
import { ENVIRONMENT_VARIABLES, environmentVariables, parseFunctionEnvironment } from '../../../handlers/core/function-environment';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('function environment contract', () => {
  it('names every variable once', () => {
    const names = Object.values(ENVIRONMENT_VARIABLES);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives the stack the variables of one function by their environment names, in contract order', () => {
    expect(environmentVariables('notify', { requestTable: 'jit-requests', eventBusName: 'jit-broker', settings: '{}' })).toEqual({
      REQUEST_TABLE: 'jit-requests',
      EVENT_BUS_NAME: 'jit-broker',
      JIT_SETTINGS_SHA256: sha256('{}'),
    });
    expect(Object.keys(environmentVariables('reset', { eventBusName: 'jit-broker' }))).toEqual(['EVENT_BUS_NAME']);
  });

  it('reads what the stack set back into the same keys, the settings from their file', () => {
    const values = { settings: '{"accounts":[]}', requestTable: 'jit-requests', eventBusName: 'jit-broker', reviewBaseUrl: 'https://approve.example.com' };
    const env = { ...environmentVariables('request-approval', values), AWS_REGION: 'eu-west-1' };
    expect(parseFunctionEnvironment('request-approval', env, () => values.settings)).toEqual(values);
  });

  it('puts only the settings digest in the environment, whatever their size', () => {
    const settings = JSON.stringify({ agents: Array.from({ length: 200 }, (_, i) => ({ id: `agent-${i}`, name: `jit-agent-agent-${i}` })) });
    const env = environmentVariables('register', { settings, requestTable: 'jit-requests' });
    expect(env).toEqual({ JIT_SETTINGS_SHA256: sha256(settings), REQUEST_TABLE: 'jit-requests' });
  });

  it('refuses a settings file whose digest is not the one the environment names', () => {
    const env = environmentVariables('register', { settings: '{"a":1}', requestTable: 'jit-requests' });
    const read = () => parseFunctionEnvironment('register', env, () => '{"a":2}');
    expect(read).toThrow(SettingsFileError);
    expect(read).toThrow(`The register function's settings file: jit-settings.json has SHA-256 ${sha256('{"a":2}')}, but JIT_SETTINGS_SHA256 is ${sha256('{"a":1}')}`);
  });

  it('refuses to start without the settings file', () => {
    const env = environmentVariables('register', { settings: '{}', requestTable: 'jit-requests' });
    expect(() => parseFunctionEnvironment('register', env, () => undefined)).toThrow("The register function's settings file: jit-settings.json is not there");
  });

  it('refuses to start without a variable, naming it and the function', () => {
    const read = () => parseFunctionEnvironment('notify', { REQUEST_TABLE: 'jit-requests', JIT_SETTINGS_SHA256: sha256('{}') }, () => '{}');
    expect(read).toThrow(MissingEnvironmentError);
    expect(read).toThrow('Environment variable EVENT_BUS_NAME is not set; the notify function was deployed without it.');
  });

  it('names every missing variable, and counts an empty one as missing', () => {
    expect(() => parseFunctionEnvironment('mint', { JIT_SETTINGS_SHA256: sha256('{}'), TARGET_PARTITION: 'aws', SCHEDULE_GROUP: '', REQUEST_TABLE: 't' })).toThrow(
      'Environment variables SCHEDULE_GROUP, RESET_FUNCTION_ARN, SCHEDULER_ROLE_ARN are not set; the mint function was deployed without them.',
    );
  });
});
