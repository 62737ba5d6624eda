import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import { ec2Ok, jsonInput, jsonOk, protocolOf, queryInput, queryOk, restJsonOk } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import type { ContextValue } from '../iam/policy-evaluator';
import type { ServiceEmulation } from './service';

/** IAM's service prefix where it differs from the SigV4 signing name. */
const ACTION_PREFIX: Readonly<Record<string, string>> = { monitoring: 'cloudwatch', email: 'ses', 'execute-api': 'execute-api' };

interface Operation {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, ContextValue>;
  readonly parameters: Record<string, unknown>;
}

const READ_ONLY = /^(Get|List|Describe|Lookup|Head|BatchGet|Query|Scan|Search|Check)/;

/** A few REST operations an agent commonly calls, recognized by method and path. */
function restOperation(service: string, call: AwsCall): string | undefined {
  const path = call.path.split('?')[0];
  if (service === 'lambda') {
    if (/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(path)) return 'InvokeFunction';
    if (/^\/2015-03-31\/functions\/?$/.test(path)) return 'ListFunctions';
    if (/^\/2015-03-31\/functions\/[^/]+$/.test(path) && call.method === 'GET') return 'GetFunction';
  }
  if (service === 's3') {
    const segments = path.split('/').filter(Boolean);
    if (segments.length === 0) return 'ListAllMyBuckets';
    if (segments.length === 1) return call.method === 'GET' ? 'ListBucket' : call.method === 'PUT' ? 'CreateBucket' : call.method === 'DELETE' ? 'DeleteBucket' : undefined;
    return call.method === 'GET' || call.method === 'HEAD' ? 'GetObject' : call.method === 'PUT' ? 'PutObject' : call.method === 'DELETE' ? 'DeleteObject' : undefined;
  }
  return undefined;
}

/** The resource ARN a call names, where the request says it plainly; `*` otherwise. */
function resourceOf(service: string, action: string, params: Record<string, unknown>, call: AwsCall): string {
  const account = call.caller.accountId;
  const region = call.region;
  const text = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
  switch (service) {
    case 'secretsmanager': {
      const id = text('SecretId');
      if (!id) return '*';
      return id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${region}:${account}:secret:${id}-??????`;
    }
    case 'iam': {
      if (text('RoleName')) return `arn:aws:iam::${account}:role/${text('RoleName')}`;
      if (text('UserName')) return `arn:aws:iam::${account}:user/${text('UserName')}`;
      if (text('PolicyArn')) return text('PolicyArn') as string;
      return '*';
    }
    case 'dynamodb':
      return text('TableName') ? `arn:aws:dynamodb:${region}:${account}:table/${text('TableName')}` : '*';
    case 'lambda': {
      const name = /functions\/([^/]+)/.exec(call.path)?.[1];
      return name ? `arn:aws:lambda:${region}:${account}:function:${decodeURIComponent(name)}` : '*';
    }
    case 's3': {
      const segments = call.path.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
      if (segments.length === 0) return '*';
      return segments.length === 1 ? `arn:aws:s3:::${segments[0]}` : `arn:aws:s3:::${segments[0]}/${segments.slice(1).join('/')}`;
    }
    case 'states':
      return text('stateMachineArn') ?? text('executionArn') ?? '*';
    default:
      return action && service ? '*' : '*';
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
  }
  if (!name) {
    throw new AwsError('UnknownOperationException', `The JIT sandbox cannot tell which ${service} operation ${call.method} ${call.path.split('?')[0]} is; it recognizes JSON and query protocol calls and a few REST ones (docs/sandbox.md).`, 400);
  }
  const context: Record<string, ContextValue> = {};
  if (service === 'iam' && typeof parameters.PermissionsBoundary === 'string') context['iam:PermissionsBoundary'] = parameters.PermissionsBoundary;
  return { action: `${prefix}:${name}`, resource: resourceOf(service, name, parameters, call), context, parameters };
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
    if (operation.resource !== '*') call.note.resources.push({ name: operation.resource });
    this.authorizer.authorize(call, operation.action, operation.resource, { context: operation.context });
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
