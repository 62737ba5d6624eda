import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { APPROVER_ROUTES } from '../../handlers/http/approver-routes';
import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import type { ServiceEmulation } from './service';

const JSON_HEADERS = { 'content-type': 'application/json' };

function answer(status: number, message: string): AwsResponse {
  return { status, headers: JSON_HEADERS, body: JSON.stringify({ message }) };
}

/** The IAM-authorized route a request path and method match, with its path parameter. */
function matchRoute(method: string, path: string): { routeKey: string; requestId?: string } | undefined {
  for (const route of APPROVER_ROUTES) {
    if (route.method !== method) continue;
    const pattern = new RegExp(`^${route.path.replace('{requestId}', '([^/]+)')}$`);
    const m = pattern.exec(path);
    if (m) return { routeKey: `${route.method} ${route.path}`, ...(m[1] !== undefined ? { requestId: m[1] } : {}) };
  }
  return undefined;
}

/**
 * The broker's HTTP API as API Gateway runs its IAM-authorized approver routes: the router has already
 * verified the SigV4 signature (service `execute-api`) against the caller's key; this checks that IAM
 * allows `execute-api:Invoke` on the route's ARN with the caller's policies (the `jit-approver` managed
 * policy for the sandbox's approver), then invokes the approval function with the payload 2.0 event API
 * Gateway builds, the caller in `requestContext.authorizer.iam`. A route that does not exist is API
 * Gateway's 404; a caller IAM does not allow gets its 403 and the function never runs.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export class ExecuteApiEmulation implements ServiceEmulation {
  readonly signingNames = ['execute-api'];

  constructor(
    private readonly api: { readonly apiId: string; readonly accountId: string; readonly region: string },
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    private readonly approvalFunction: () => (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
  ) {}

  /** The execute-api ARN IAM authorizes a call against: `<api-id>/<stage>/<METHOD>/<path>`. */
  routeArn(method: string, path: string): string {
    return `arn:aws:execute-api:${this.api.region}:${this.api.accountId}:${this.api.apiId}/$default/${method}${path}`;
  }

  async handle(call: AwsCall): Promise<AwsResponse> {
    const method = call.method.toUpperCase();
    const route = matchRoute(method, call.path);
    if (!route) return answer(404, 'Not Found');
    if (call.region !== this.api.region) return answer(403, `Credential should be scoped to a valid region, not '${call.region}'.`);
    try {
      this.authorizer.authorize(call, 'execute-api:Invoke', this.routeArn(method, call.path));
    } catch (error) {
      if (error instanceof AwsError && error.status === 403) return answer(403, error.message);
      throw error;
    }
    const result = await this.approvalFunction()(this.eventOf(call, route));
    const body = result.body ?? '';
    return {
      status: result.statusCode ?? 200,
      headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
      body: result.isBase64Encoded ? Buffer.from(body, 'base64') : body,
    };
  }

  private eventOf(call: AwsCall, route: { routeKey: string; requestId?: string }): APIGatewayProxyEventV2 {
    const now = this.clock.now();
    const rawQuery = call.query.toString();
    const event = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: call.path,
      rawQueryString: rawQuery,
      headers: { ...call.headers },
      ...(route.requestId !== undefined ? { pathParameters: { requestId: decodeURIComponent(route.requestId) } } : {}),
      requestContext: {
        accountId: this.api.accountId,
        apiId: this.api.apiId,
        authorizer: {
          iam: {
            accessKey: call.caller.accessKeyId,
            accountId: call.caller.accountId,
            callerId: call.caller.userId,
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: call.caller.arn,
            userId: call.caller.userId,
          },
        },
        domainName: call.headers.host ?? '127.0.0.1',
        domainPrefix: this.api.apiId,
        http: { method: call.method, path: call.path, protocol: 'HTTP/1.1', sourceIp: call.sourceIp, userAgent: call.userAgent },
        requestId: call.requestId,
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(call.body.length > 0 ? { body: call.body.toString('base64') } : {}),
      isBase64Encoded: call.body.length > 0,
    };
    return event as APIGatewayProxyEventV2;
  }
}
