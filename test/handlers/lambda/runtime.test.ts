import { ThrottlingException } from '@aws-sdk/client-cloudtrail';
import { ThrottledError, TransientAwsError } from '../../../handlers/core/errors';
import { z } from 'zod';
import { classifyError, taskHandler } from '../../../handlers/lambda/runtime';

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

describe('taskHandler', () => {
  const schema = z.object({ requestId: z.string().regex(/^req-\d{8}$/), minutes: z.number().int() });

  it('hands the use case its input parsed by the schema, unknown fields dropped', async () => {
    const seen: unknown[] = [];
    const handler = taskHandler('example', schema, async (input) => (seen.push(input), input.minutes * 2));
    await expect(handler({ requestId: 'req-00000001', minutes: 5, extra: 'dropped' })).resolves.toBe(10);
    expect(seen).toEqual([{ requestId: 'req-00000001', minutes: 5 }]);
  });

  it.each([
    ['a missing field', { requestId: 'req-00000001' }],
    ['a field of the wrong shape', { requestId: '../etc/passwd', minutes: 5 }],
    ['no object at all', null],
  ])('refuses %s with MalformedTaskInputError, the name the workflow sees, and runs nothing', async (_name, event) => {
    let ran = false;
    const handler = taskHandler('example', schema, async () => (ran = true));
    await expect(handler(event)).rejects.toMatchObject({ name: 'MalformedTaskInputError', message: expect.stringMatching(/^example received malformed input: /) });
    expect(ran).toBe(false);
  });
});
