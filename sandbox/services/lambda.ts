import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import type { LocalFunction } from '../../workflows/local/local-execution';
import { invokeWithContext } from '../engine/function-infos';
import type { ServiceEmulation } from './service';

/**
 * Lambda Invoke of the broker's own functions by name or ARN — how `jit revoke` reaches the revoke
 * function, and how the Slack interactions function hands a press to itself — running the same handler
 * modules the workflow runs. RequestResponse: a function error is answered as Lambda does: status 200,
 * `X-Amz-Function-Error: Unhandled`, and `{errorType, errorMessage}`. Event (asynchronous): 202 with no
 * payload at once, the handler run afterwards, never inline; unlike Lambda, a failed run is logged and not
 * retried (docs/sandbox.md).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export class LambdaEmulation implements ServiceEmulation {
  readonly signingNames = ['lambda'];

  constructor(
    private readonly functions: () => ReadonlyMap<string, LocalFunction>,
    private readonly authorizer: Authorizer,
  ) {}

  async handle(call: AwsCall): Promise<AwsResponse> {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(call.path.split('?')[0]);
    if (!m || call.method !== 'POST') throw notEmulated('Lambda', `${call.method} ${call.path}`);
    call.note.operation = 'Invoke';
    const name = decodeURIComponent(m[1]);
    const [arn, fn] = [...this.functions()].find(([a]) => a === name || a.endsWith(`:function:${name}`)) ?? [];
    if (!arn || !fn) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    this.authorizer.authorize(call, 'lambda:InvokeFunction', arn);
    call.note.resources.push({ type: 'AWS::Lambda::Function', name: arn });
    const invocationType = call.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (invocationType !== 'RequestResponse' && invocationType !== 'Event') throw notEmulated('Lambda', `Invoke with InvocationType ${invocationType}`);
    const payload = call.body.length > 0 ? (JSON.parse(call.body.toString('utf8')) as unknown) : {};
    if (invocationType === 'Event') {
      // Queued: the caller has its 202 before the handler starts, as with Lambda's event queue.
      setTimeout(() => {
        invokeWithContext(fn, arn, payload).catch((error: unknown) => {
          console.error(`sandbox: asynchronous invocation of ${arn} failed: ${(error as Error).message}`);
        });
      }, 0);
      return { status: 202, headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }, body: '' };
    }
    try {
      const result = await invokeWithContext(fn, arn, payload);
      return { status: 200, headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }, body: JSON.stringify(result ?? null) };
    } catch (error) {
      const e = error as Error;
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
        body: JSON.stringify({ errorType: e.name, errorMessage: e.message }),
      };
    }
  }
}
