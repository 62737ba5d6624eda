import { MissingEnvironmentError } from '../../../handlers/core/errors';
import { ENVIRONMENT_VARIABLES, environmentVariables, parseFunctionEnvironment } from '../../../handlers/core/function-environment';

describe('function environment contract', () => {
  it('names every variable once', () => {
    const names = Object.values(ENVIRONMENT_VARIABLES);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives the stack the variables of one function by their environment names, in contract order', () => {
    expect(environmentVariables('notify', { requestTable: 'jit-requests', eventBusName: 'jit-broker' })).toEqual({
      REQUEST_TABLE: 'jit-requests',
      EVENT_BUS_NAME: 'jit-broker',
    });
    expect(Object.keys(environmentVariables('reset', { eventBusName: 'jit-broker' }))).toEqual(['EVENT_BUS_NAME']);
  });

  it('reads what the stack set back into the same keys', () => {
    const values = { settings: '{}', requestTable: 'jit-requests', eventBusName: 'jit-broker', reviewBaseUrl: 'https://approve.example.com' };
    const env = { ...environmentVariables('request-approval', values), AWS_REGION: 'eu-west-1' };
    expect(parseFunctionEnvironment('request-approval', env)).toEqual(values);
  });

  it('refuses to start without a variable, naming it and the function', () => {
    const read = () => parseFunctionEnvironment('notify', { REQUEST_TABLE: 'jit-requests' });
    expect(read).toThrow(MissingEnvironmentError);
    expect(read).toThrow('Environment variable EVENT_BUS_NAME is not set; the notify function was deployed without it.');
  });

  it('names every missing variable, and counts an empty one as missing', () => {
    expect(() => parseFunctionEnvironment('mint', { JIT_SETTINGS: '{}', TARGET_PARTITION: 'aws', SCHEDULE_GROUP: '', REQUEST_TABLE: 't' })).toThrow(
      'Environment variables SCHEDULE_GROUP, RESET_FUNCTION_ARN, SCHEDULER_ROLE_ARN are not set; the mint function was deployed without them.',
    );
  });
});
