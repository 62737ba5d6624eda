import { ThrottlingException } from '@aws-sdk/client-cloudtrail';
import { ThrottledError, TransientAwsError } from '../../../handlers/core/errors';
import { classifyError } from '../../../handlers/lambda/runtime';

describe('classifyError', () => {
  it('turns AWS throttling into the ThrottledError the state machine retries', () => {
    const classified = classifyError(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    expect(classified).toBeInstanceOf(ThrottledError);
    expect((classified as Error).name).toBe('ThrottledError');
  });

  it('turns 5xx faults into TransientAwsError', () => {
    const fault = Object.assign(new Error('oops'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    expect(classifyError(fault)).toBeInstanceOf(TransientAwsError);
  });

  it('leaves domain errors alone so Catch rules see their names', () => {
    const error = Object.assign(new Error('bad request'), { name: 'InvalidRequestError' });
    expect(classifyError(error)).toBe(error);
  });
});
