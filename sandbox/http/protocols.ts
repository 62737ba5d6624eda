import type { AwsResponse } from './aws-call';
import { AwsError } from './aws-error';
import type { SignedRequest } from './sigv4';

/**
 * The AWS wire protocols the sandbox speaks: `json` (awsJson1_0/1_1, operation in `X-Amz-Target`),
 * `query` (form body with `Action`, XML answers; `ec2` is its variant without a result wrapper),
 * `rest-json` and `rest-xml` (operation in method and path).
 */
export type WireProtocol = 'json' | 'query' | 'ec2' | 'rest-json' | 'rest-xml';

const REST_JSON_SERVICES = new Set(['ses', 'scheduler', 'lambda', 'execute-api']);
const QUERY_SERVICES = new Set(['sts', 'iam', 'autoscaling', 'cloudformation', 'elasticloadbalancing', 'rds', 'sns', 'cloudwatch', 'monitoring']);

/** Which protocol a request speaks, from its signing name and its shape. */
export function protocolOf(service: string, request: Pick<SignedRequest, 'headers' | 'body'>): WireProtocol {
  if (service === 's3') return 'rest-xml';
  if (request.headers['x-amz-target']) return 'json';
  if (service === 'ec2') return 'ec2';
  const contentType = request.headers['content-type'] ?? '';
  if (QUERY_SERVICES.has(service) || contentType.startsWith('application/x-www-form-urlencoded')) return 'query';
  if (REST_JSON_SERVICES.has(service)) return 'rest-json';
  return 'rest-json';
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { readonly [key: string]: XmlValue };

/** Plain data to XML elements: objects become child elements, arrays `<member>` lists, dates ISO 8601. */
export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function jsonOk(output: unknown, version: '1.0' | '1.1' = '1.1'): AwsResponse {
  return { status: 200, headers: { 'content-type': `application/x-amz-json-${version}` }, body: JSON.stringify(output ?? {}) };
}

export function restJsonOk(output: unknown, status = 200): AwsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(output ?? {}) };
}

/** `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...` as the query protocol answers. */
export function queryOk(action: string, result: XmlValue, namespace: string, requestId: string): AwsResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

/** EC2's query dialect: no result wrapper, `requestId` first. */
/**
 * The list elements of common EC2 Describe* responses, by operation, as the EC2 API Reference names them
 * (for example `reservationSet` in DescribeInstances). AWS sends them even when empty, and the SDKs turn an
 * empty one into an empty list (`Reservations: []` in boto3 and the AWS CLI), so code that reads
 * `resp["Reservations"]` works; without the element the key is missing and that code raises.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html
 */
export const EC2_EMPTY_LISTS: Readonly<Record<string, readonly string[]>> = {
  DescribeInstances: ['reservationSet'],
  DescribeInstanceStatus: ['instanceStatusSet'],
  DescribeSecurityGroups: ['securityGroupInfo'],
  DescribeSecurityGroupRules: ['securityGroupRuleSet'],
  DescribeVpcs: ['vpcSet'],
  DescribeSubnets: ['subnetSet'],
  DescribeVolumes: ['volumeSet'],
  DescribeSnapshots: ['snapshotSet'],
  DescribeImages: ['imagesSet'],
  DescribeKeyPairs: ['keySet'],
  DescribeAddresses: ['addressesSet'],
  DescribeNetworkInterfaces: ['networkInterfaceSet'],
  DescribeRouteTables: ['routeTableSet'],
  DescribeInternetGateways: ['internetGatewaySet'],
  DescribeNatGateways: ['natGatewaySet'],
  DescribeNetworkAcls: ['networkAclSet'],
  DescribeLaunchTemplates: ['launchTemplates'],
  DescribeTags: ['tagSet'],
  DescribeRegions: ['regionInfo'],
  DescribeAvailabilityZones: ['availabilityZoneInfo'],
  DescribeVpcEndpoints: ['vpcEndpointSet'],
};

export function ec2Ok(action: string, requestId: string): AwsResponse {
  const lists = (EC2_EMPTY_LISTS[action] ?? []).map((element) => `<${element}/>`).join('');
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${lists}</${action}Response>`,
  };
}

/** An error in the caller's protocol, so the SDKs raise the exception class its code names. */
export function errorResponse(protocol: WireProtocol, error: AwsError, requestId: string): AwsResponse {
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId };
  switch (protocol) {
    case 'json':
    case 'rest-json':
      return {
        status: error.status,
        headers: {
          ...headers,
          'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
          'x-amzn-errortype': error.code,
        },
        body: JSON.stringify({ __type: error.code, message: error.message, Message: error.message }),
      };
    case 'query':
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'text/xml' },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
          `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'ec2':
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'text/xml;charset=UTF-8' },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(error.code)}</Code>` +
          `<Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'rest-xml':
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

/** The operation a JSON-protocol call names in `X-Amz-Target: Prefix.Operation`. */
export function jsonOperation(request: Pick<SignedRequest, 'headers'>): string {
  const target = request.headers['x-amz-target'] ?? '';
  const operation = target.slice(target.lastIndexOf('.') + 1);
  if (!operation) throw new AwsError('UnknownOperationException', 'The request has no X-Amz-Target operation.', 400);
  return operation;
}

/** Parses a JSON-protocol body (an empty body is `{}`). */
export function jsonInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new AwsError('SerializationException', 'The request body is not a JSON object.', 400);
  }
}

/** The form parameters of a query-protocol call (body, or the URL for GET). */
export function queryInput(request: Pick<SignedRequest, 'body' | 'query'>): URLSearchParams {
  return request.body.length > 0 ? new URLSearchParams(request.body.toString('utf8')) : request.query;
}
