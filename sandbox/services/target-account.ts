import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import { ec2Ok, jsonInput, jsonOk, protocolOf, queryInput, queryOk, restJsonOk } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import { passedRoles } from '../iam/passed-roles';
import type { RequestParameters } from '../iam/request-context';
import { targetResourceOf } from './target-resources';
import type { ServiceEmulation } from './service';

/** IAM's service prefix where it differs from the SigV4 signing name. */
const ACTION_PREFIX: Readonly<Record<string, string>> = { monitoring: 'cloudwatch', email: 'ses', 'execute-api': 'execute-api' };

interface Operation {
  readonly action: string;
  /** The resource to authorize on; undefined when the request names one the sandbox cannot place. */
  readonly resource: string | undefined;
  readonly request: RequestParameters;
  readonly parameters: Record<string, unknown>;
}

const READ_ONLY = /^(Get|List|Describe|Lookup|Head|BatchGet|Query|Scan|Search|Check)/;

/** The REST operations an agent commonly calls, recognized by method and path. */
function restOperation(service: string, call: AwsCall): string | undefined {
  const path = call.path.split('?')[0];
  const method = call.method;
  if (service === 'lambda') {
    if (/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(path)) return 'InvokeFunction';
    if (/^\/2015-03-31\/functions\/?$/.test(path)) return method === 'POST' ? 'CreateFunction' : 'ListFunctions';
    if (/^\/2015-03-31\/functions\/[^/]+\/configuration$/.test(path)) return method === 'PUT' ? 'UpdateFunctionConfiguration' : 'GetFunctionConfiguration';
    if (/^\/2015-03-31\/functions\/[^/]+\/code$/.test(path) && method === 'PUT') return 'UpdateFunctionCode';
    if (/^\/2015-03-31\/functions\/[^/]+$/.test(path)) return method === 'GET' ? 'GetFunction' : method === 'DELETE' ? 'DeleteFunction' : undefined;
  }
  if (service === 'scheduler') {
    if (/^\/schedules\/[^/]+$/.test(path)) return { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' }[method];
    if (/^\/schedules\/?$/.test(path)) return 'ListSchedules';
  }
  if (service === 's3') {
    const segments = path.split('/').filter(Boolean);
    if (segments.length === 0) return 'ListAllMyBuckets';
    if (segments.length === 1) return method === 'GET' ? 'ListBucket' : method === 'PUT' ? 'CreateBucket' : method === 'DELETE' ? 'DeleteBucket' : undefined;
    return method === 'GET' || method === 'HEAD' ? 'GetObject' : method === 'PUT' ? 'PutObject' : method === 'DELETE' ? 'DeleteObject' : undefined;
  }
  return undefined;
}

function restJsonBody(call: AwsCall): Record<string, unknown> {
  if (call.body.length === 0) return {};
  try {
    const parsed = JSON.parse(call.body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function describe(call: AwsCall): Operation {
  const service = call.service;
  const prefix = ACTION_PREFIX[service] ?? service;
  const protocol = protocolOf(service, call);
  let name: string | undefined;
  let parameters: Record<string, unknown> = {};
  if (protocol === 'json') {
    const target = call.headers['x-amz-target'] ?? '';
    name = target.slice(target.lastIndexOf('.') + 1);
    parameters = jsonInput(call.body);
  } else if (protocol === 'query' || protocol === 'ec2') {
    const form = queryInput(call);
    name = form.get('Action') ?? undefined;
    parameters = Object.fromEntries([...form].filter(([k]) => k !== 'Action' && k !== 'Version'));
  } else {
    name = restOperation(service, call);
    parameters = protocol === 'rest-json' ? { ...Object.fromEntries(call.query), ...restJsonBody(call) } : Object.fromEntries(call.query);
  }
  if (!name) {
    throw new AwsError('UnknownOperationException', `The JIT sandbox cannot tell which ${service} operation ${call.method} ${call.path.split('?')[0]} is; it recognizes JSON and query protocol calls and a few REST ones (docs/sandbox.md).`, 400);
  }
  const action = `${prefix}:${name}`;
  const boundary = service === 'iam' && typeof parameters.PermissionsBoundary === 'string' ? parameters.PermissionsBoundary : undefined;
  const resource = targetResourceOf({ service, operation: name, account: call.caller.accountId, region: call.region, params: parameters, path: call.path.split('?')[0] });
  // The boundary the request sets (CreateRole, Put*PermissionsBoundary); for the other principal changes
  // AWS reports the principal's current boundary, which the sandbox does not know: absent, as for a
  // principal without one, so a ceiling that requires the broker's boundary refuses (never more lenient).
  return { action, resource, request: boundary ? { permissionsBoundary: boundary } : {}, parameters };
}

/**
 * Any other AWS API, called with credentials the sandbox minted (or with its own keys): there are no
 * resources in the sandbox's target accounts, so the call is only authorized — by the session's role
 * policy, the deny-always ceiling, the time-fenced session policy and revocation denies — and answered
 * `AccessDenied`, or an empty success in the caller's protocol. Either way it lands in the local trail,
 * which is what the audit report reads.
 */
export class TargetAccountEmulation implements ServiceEmulation {
  readonly signingNames = ['*'];

  constructor(private readonly authorizer: Authorizer) {}

  async handle(call: AwsCall): Promise<AwsResponse> {
    const operation = describe(call);
    const name = operation.action.slice(operation.action.indexOf(':') + 1);
    call.note.operation = name;
    call.note.readOnly = READ_ONLY.test(name);
    call.note.requestParameters = Object.fromEntries(Object.entries(operation.parameters).filter(([k]) => !/secret|password|token/i.test(k)).slice(0, 20));
    if (operation.resource !== undefined && operation.resource !== '*') call.note.resources.push({ name: operation.resource });
    // Every call is authorized against the session's real policies before it is answered, and so is each
    // role it passes (iam:PassRole, as the receiving service checks it).
    this.authorizer.authorize(call, operation.action, operation.resource, { request: operation.request });
    for (const passed of passedRoles(operation.action, operation.parameters)) {
      this.authorizer.authorize(call, 'iam:PassRole', passed.roleArn, { request: { passedToService: passed.service } });
    }
    switch (protocolOf(call.service, call)) {
      case 'json':
        return jsonOk({}, call.headers['content-type']?.includes('1.0') ? '1.0' : '1.1');
      case 'query':
        return queryOk(name, {}, `https://${call.service}.amazonaws.com/doc/`, call.requestId);
      case 'ec2':
        return ec2Ok(name, call.requestId);
      case 'rest-xml':
        return { status: 200, headers: { 'content-type': 'application/xml' }, body: '' };
      default:
        return restJsonOk({});
    }
  }
}
