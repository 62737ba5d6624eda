import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { MAX_NOTE_LENGTH, type Verdict } from '../core/approval-decision';
import { approverForPrincipal } from '../core/approver-principal';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { requestView } from '../core/request-view';
import type { ChatAlerts } from '../ports/chat-alerts';
import type { EventPublisher } from '../ports/event-publisher';
import type { RevokeResult } from '../use-cases/revoke-result';
import { type DecideOutcome, type DecideRequestDeps, decideRequest } from '../use-cases/decide-request';
import { listPending } from '../use-cases/list-pending';
import { type AckOutcome, acknowledgeBreakGlass, breakGlassApprove } from '../use-cases/break-glass';
import { postReviewOf } from '../core/break-glass';
import type { ReviewLog } from './review-routes';

/** Where every approver route starts; the review links live under `/review/`. */
export const APPROVER_ROUTE_PREFIX = '/approvals';

/**
 * The approver routes, each IAM-authorized (SigV4, service `execute-api`) by API Gateway, and what
 * `jit-approver` may invoke: exactly these, nothing on the request table or the state machine.
 */
export const APPROVER_ROUTES = [
  { method: 'GET', path: '/approvals', does: 'list pending requests (jit pending)' },
  { method: 'GET', path: '/approvals/{requestId}', does: 'show one request (jit status)' },
  { method: 'POST', path: '/approvals/{requestId}/approve', does: 'approve (jit approve)' },
  { method: 'POST', path: '/approvals/{requestId}/deny', does: 'deny (jit deny)' },
  { method: 'POST', path: '/approvals/{requestId}/revoke', does: 'end a grant early (jit revoke)' },
  { method: 'POST', path: '/approvals/{requestId}/ack', does: 'acknowledge a break-glass approval (jit ack)' },
] as const;

/** Largest JSON body an approver route reads. */
const MAX_BODY_BYTES = 4096;

const note = z.string().max(MAX_NOTE_LENGTH);
const approveBody = z
  .object({
    role: z.string().min(1).max(64).optional(),
    minutes: z.number().int().optional(),
    note: note.optional(),
    /** The requester approves their own request for a breakGlass role, with `reason` (jit approve --break-glass). */
    breakGlass: z.literal(true).optional(),
    reason: note.optional(),
  })
  .strict()
  .refine((b) => b.breakGlass || b.reason === undefined, { path: ['reason'], message: 'only with breakGlass: true (an approval carries a note)' });
const ackBody = z.object({}).strict();
const denyBody = z.object({ reason: note.optional() }).strict();
const revokeBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

/** What the approver routes need beyond a decision's ports. */
export interface ApproverRouteDeps extends DecideRequestDeps {
  readonly publisher: EventPublisher;
  /** Ends a grant early through the broker's revoke function, as the named approver. */
  revoke(input: { requestId: string; approver: string; reason?: string }): Promise<RevokeResult>;
  /** Slack, when configured: where a break-glass alert goes beside the email. */
  readonly chatAlerts?: ChatAlerts;
}

/**
 * The caller as API Gateway's IAM authorizer passes it in a payload 2.0 event: `requestContext.authorizer.iam`.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export interface IamCaller {
  readonly userArn: string;
  readonly accountId?: string;
  readonly accessKey?: string;
}

/** The IAM caller of an event, or undefined when the route was not IAM-authorized. */
export function iamCallerOf(event: APIGatewayProxyEventV2): IamCaller | undefined {
  const context = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { iam?: { userArn?: unknown; accountId?: unknown; accessKey?: unknown } };
  };
  const iam = context.authorizer?.iam;
  if (!iam || typeof iam.userArn !== 'string' || iam.userArn.length === 0) return undefined;
  return {
    userArn: iam.userArn,
    ...(typeof iam.accountId === 'string' ? { accountId: iam.accountId } : {}),
    ...(typeof iam.accessKey === 'string' ? { accessKey: iam.accessKey } : {}),
  };
}

function json(status: number, value: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(value),
  };
}

function problem(status: number, code: string, message: string): APIGatewayProxyStructuredResultV2 {
  return json(status, { outcome: 'error', code, message });
}

/** `/approvals`, `/approvals/<id>` or `/approvals/<id>/<verb>`; anything else is not an approver route. */
function routeOf(event: APIGatewayProxyEventV2): { requestId?: string; verb?: string } | undefined {
  const m = /^\/approvals(?:\/([^/]+)(?:\/(approve|deny|revoke|ack))?)?$/.exec(event.rawPath);
  if (!m) return undefined;
  if (m[1] === undefined) return {};
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  return { requestId: id, ...(m[2] ? { verb: m[2] } : {}) };
}

function bodyOf(event: APIGatewayProxyEventV2): { ok: true; value: unknown } | { ok: false; response: APIGatewayProxyStructuredResultV2 } {
  const raw = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > MAX_BODY_BYTES) return { ok: false, response: problem(413, 'TOO_LARGE', `The body may be at most ${MAX_BODY_BYTES} bytes.`) };
  if (raw.length === 0) return { ok: true, value: {} };
  if (!(event.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    return { ok: false, response: problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.') };
  }
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false, response: problem(400, 'MALFORMED_BODY', 'The body is not JSON.') };
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; response: APIGatewayProxyStructuredResultV2 } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  return { ok: false, response: json(400, { outcome: 'error', code: 'INVALID_BODY', message: problems.join('; '), problems }) };
}

const DECISION_STATUS: Record<DecideOutcome['kind'], number> = {
  approved: 200,
  denied: 200,
  invalid: 422,
  decided: 409,
  // Counted towards a quorum (or counted before): accepted, nothing sent to the workflow yet.
  counted: 202,
  'not-routed': 403,
  // Decided, but the answer has not reached the workflow yet: worth the same call again.
  'delivery-pending': 503,
  closed: 409,
  expired: 410,
  'not-found': 404,
  unavailable: 503,
};

/** A decision's outcome as JSON: what the CLI reports. Never the task token or the link hashes (views only). */
function decisionResponse(outcome: DecideOutcome): APIGatewayProxyStructuredResultV2 {
  const status = DECISION_STATUS[outcome.kind];
  switch (outcome.kind) {
    case 'not-found':
      return json(status, { outcome: outcome.kind });
    case 'approved':
      return json(status, { outcome: outcome.kind, request: outcome.request, decision: outcome.decision, confirmationSent: outcome.confirmation.sent });
    case 'denied':
      return json(status, { outcome: outcome.kind, request: outcome.request, denial: outcome.denial, confirmationSent: outcome.confirmation.sent });
    case 'invalid':
      return json(status, { outcome: outcome.kind, request: outcome.request, problems: outcome.problems, roles: outcome.roles });
    case 'unavailable':
      return json(status, { outcome: outcome.kind, request: outcome.request });
    case 'decided':
      return json(status, { outcome: outcome.kind, request: outcome.request, ...(outcome.redelivered ? { redelivered: true } : {}) });
    case 'counted':
      return json(status, {
        outcome: outcome.kind,
        request: outcome.request,
        approvals: outcome.approvals,
        quorum: outcome.quorum,
        duplicate: outcome.duplicate,
        message: outcome.duplicate
          ? `${outcome.approval.approver} had already approved; counted once. ${outcome.approvals.length} of ${outcome.quorum} approvals.`
          : `Approval counted: ${outcome.approvals.length} of ${outcome.quorum}. Nothing is issued until the rest approve.`,
      });
    case 'not-routed':
      return json(status, { outcome: outcome.kind, code: 'NOT_ROUTED', message: outcome.reason });
    default:
      return json(status, { outcome: outcome.kind, request: outcome.request });
  }
}

const ACK_STATUS: Record<AckOutcome['kind'], number> = { acknowledged: 200, 'already-acknowledged': 200, refused: 409, 'not-found': 404 };

const REVOKE_STATUS: Record<RevokeResult['kind'], number> = { revoked: 200, 'already-revoked': 200, 'not-found': 404, 'not-active': 409, refused: 403 };

/**
 * The approver routes (`jit pending`, `status`, `approve`, `deny`, `revoke`). API Gateway has already
 * verified the caller's SigV4 signature and that IAM lets them invoke the route; this maps the
 * authenticated ARN to a configured approver (`approval.iamPrincipals`) and refuses anyone else with 403
 * and an `Elevation Approver Refused` event. Decisions go through `decideRequest`, the same single
 * claim as the review links, so the caller's own credentials never touch the task token or the table.
 */
export async function handleApproverHttp(event: APIGatewayProxyEventV2, deps: ApproverRouteDeps, log: ReviewLog): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  const route = routeOf(event);
  if (!route) return problem(404, 'NO_SUCH_ROUTE', 'No such approver route.');
  const caller = iamCallerOf(event);
  // Only reachable if a route were deployed without IAM authorization: refuse rather than trust anyone.
  if (!caller) return problem(403, 'NOT_SIGNED', 'The approver routes need a SigV4-signed request (IAM authorization).');
  const approver = approverForPrincipal(deps.settings, caller.userArn);
  const requestId = route.requestId;
  if (!approver) {
    log.warn('approver route refused: caller is no configured approver', { callerArn: caller.userArn, route: `${method} ${event.rawPath}` });
    await deps.publisher.publish({
      outcome: 'Approver Refused',
      detail: {
        ...(requestId && REQUEST_ID_PATTERN.test(requestId) ? { requestId } : {}),
        channel: 'iam',
        callerArn: caller.userArn,
        route: `${method} ${route.verb ? `/approvals/{requestId}/${route.verb}` : route.requestId ? '/approvals/{requestId}' : '/approvals'}`,
        reason: `${caller.userArn} is not an identity of any configured approver (approval.iamPrincipals)`,
      },
    });
    return problem(403, 'NOT_AN_APPROVER', `${caller.userArn} is not one of the configured approvers' IAM identities (approval.iamPrincipals).`);
  }
  if (requestId !== undefined && !REQUEST_ID_PATTERN.test(requestId)) return problem(400, 'BAD_REQUEST_ID', `Not a request id: ${JSON.stringify(requestId)}.`);

  try {
    if (method === 'GET' && requestId === undefined) {
      // Only what this approver is routed to (approver-routing.ts), each with what its grant can do.
      return json(200, { approver, pending: await listPending({ store: deps.store, clock: deps.clock, approver, settings: deps.settings }) });
    }
    if (method === 'GET' && route.verb === undefined && requestId !== undefined) {
      const record = await deps.store.get(requestId);
      if (!record) return json(404, { outcome: 'not-found' });
      const postReview = postReviewOf(record);
      return json(200, { approver, request: requestView(record), ...(postReview ? { postReview } : {}) });
    }
    if (method !== 'POST' || requestId === undefined || route.verb === undefined) {
      return { ...problem(405, 'METHOD_NOT_ALLOWED', 'Use GET to read and POST to decide.'), headers: { 'content-type': 'application/json; charset=utf-8', allow: route.verb ? 'POST' : 'GET' } };
    }
    const body = bodyOf(event);
    if (!body.ok) return body.response;
    const authority = { channel: 'cli', approver, principal: caller.userArn } as const;
    if (route.verb === 'revoke') {
      const input = parsed(revokeBody, body.value);
      if (!input.ok) return input.response;
      let result: RevokeResult;
      try {
        result = await deps.revoke({ requestId, approver: caller.userArn, ...(input.value.reason ? { reason: input.value.reason } : {}) });
      } catch (error) {
        // Every step of a revocation is idempotent: say what failed, so the approver can run it again.
        log.error('approver revoke failed', { requestId, errorName: error instanceof Error ? error.name : typeof error });
        return problem(502, 'REVOKE_FAILED', error instanceof Error ? error.message.slice(0, 300) : 'The revoke function failed.');
      }
      log.info('approver revoke', { requestId, outcome: result.kind, approver });
      return json(REVOKE_STATUS[result.kind], { outcome: result.kind, ...result });
    }
    if (route.verb === 'ack') {
      const input = parsed(ackBody, body.value);
      if (!input.ok) return input.response;
      const acked = await acknowledgeBreakGlass(requestId, { approver, principal: caller.userArn }, deps);
      log.info('approver ack', { requestId, outcome: acked.kind, approver });
      return json(ACK_STATUS[acked.kind], { outcome: acked.kind, ...acked });
    }
    let verdict: Verdict;
    if (route.verb === 'approve') {
      const input = parsed(approveBody, body.value);
      if (!input.ok) return input.response;
      const { breakGlass, reason, ...terms } = input.value;
      if (breakGlass) {
        // Only from here: a mapped approver, authenticated by IAM, who is the request's requester.
        const outcome = await breakGlassApprove(requestId, { approver, principal: caller.userArn }, { ...terms, ...(reason ? { reason } : {}) }, deps);
        log.info('approver break-glass', { requestId, outcome: outcome.kind, approver });
        if (outcome.kind === 'refused') return json(422, { outcome: 'refused', code: 'BREAK_GLASS_REFUSED', problems: outcome.problems, message: outcome.problems.join('; ') });
        const response = decisionResponse(outcome);
        return outcome.alerts ? { ...response, body: JSON.stringify({ ...(JSON.parse(response.body as string) as object), breakGlass: true, alerts: outcome.alerts }) } : response;
      }
      verdict = { action: 'approve', ...terms };
    } else {
      const input = parsed(denyBody, body.value);
      if (!input.ok) return input.response;
      verdict = { action: 'deny', ...input.value };
    }
    const outcome = await decideRequest(requestId, authority, verdict, deps);
    log.info('approver decision', { requestId, outcome: outcome.kind, approver });
    return decisionResponse(outcome);
  } catch (error) {
    log.error('approver route failed', { requestId, errorName: error instanceof Error ? error.name : typeof error });
    return problem(500, 'FAILED', 'The request could not be handled.');
  }
}
