import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { readReviewForm } from '../core/review-form';
import {
  type Page,
  PAGE_HEADERS,
  alreadyDecidedPage,
  approvedPage,
  closedPage,
  deniedPage,
  errorPage,
  expiredPage,
  notFoundPage,
  reviewPage,
} from '../core/review-pages';
import { countedPage } from '../core/quorum-pages';
import { type ClosedOutcome, type DecideRequestDeps, decideRequest, reviewRequest } from '../use-cases/decide-request';

/** Where the review routes report what happened: ids and outcomes only, never a capability or a token. */
export interface ReviewLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

function respond(page: Page, extraHeaders: Record<string, string> = {}, head = false): APIGatewayProxyStructuredResultV2 {
  return { statusCode: page.status, headers: { ...PAGE_HEADERS, ...extraHeaders }, body: head ? '' : page.html };
}

function closedOutcomePage(outcome: ClosedOutcome): Page {
  switch (outcome.kind) {
    case 'not-found':
      return notFoundPage();
    case 'expired':
      return expiredPage(outcome.request);
    case 'decided':
      return alreadyDecidedPage(outcome.request);
    case 'closed':
      return closedPage(outcome.request);
  }
}

function requestIdOf(event: APIGatewayProxyEventV2): string | undefined {
  let raw = event.pathParameters?.requestId;
  if (raw === undefined) raw = /^\/review\/([^/]+)$/.exec(event.rawPath)?.[1];
  if (raw === undefined) return undefined;
  try {
    const id = decodeURIComponent(raw);
    return REQUEST_ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * The review link's two verbs (invariant 7, docs/security-invariants.md): GET (and HEAD) only show — mail scanners prefetch links —
 * and POST decides, with the capability in the form body. Anything that is not a valid link gets the
 * same 404 page, whether or not the request exists.
 */
export async function handleReviewHttp(
  event: APIGatewayProxyEventV2,
  deps: DecideRequestDeps,
  log: ReviewLog,
): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    return respond(errorPage(405, 'This page only answers GET and POST.'), { Allow: 'GET, HEAD, POST' });
  }
  const head = method === 'HEAD';
  const requestId = requestIdOf(event);
  if (!requestId) return respond(notFoundPage(), {}, head);

  try {
    if (method !== 'POST') {
      const capability = event.queryStringParameters?.c ?? '';
      const outcome = await reviewRequest(requestId, { channel: 'web', capability }, deps);
      log.info('review page', { requestId, outcome: outcome.kind });
      // A link is issued only to a routed approver: `not-routed` cannot come from one; it reads as an unknown link.
      const page = outcome.kind === 'pending' ? reviewPage({ ...outcome, capability }) : outcome.kind === 'not-routed' ? notFoundPage() : closedOutcomePage(outcome);
      return respond(page, {}, head);
    }

    const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const form = readReviewForm(body, event.headers['content-type']);
    if (!form.ok) {
      log.info('review form refused', { requestId, status: form.status });
      return respond(form.status === 404 ? notFoundPage() : errorPage(form.status, form.problem));
    }
    const outcome = await decideRequest(requestId, { channel: 'web', capability: form.capability }, form.verdict, deps);
    log.info('review decision', { requestId, outcome: outcome.kind });
    switch (outcome.kind) {
      case 'invalid':
        return respond(reviewPage({ ...outcome, capability: form.capability }));
      case 'approved':
      case 'denied':
        if (!outcome.confirmation.sent) log.warn('confirmation email not sent', { requestId, errorName: errorName(outcome.confirmation.error) });
        return respond(outcome.kind === 'approved' ? approvedPage(outcome.request, outcome.decision) : deniedPage(outcome.request, outcome.denial));
      case 'unavailable':
        log.error('decision not delivered; claim released', { requestId, errorName: errorName(outcome.error) });
        return respond(errorPage(503, 'The broker could not be reached. Wait a minute and press the button again.'));
      case 'delivery-pending':
        log.error('decision claimed earlier still not delivered', { requestId });
        return respond(
          errorPage(503, 'This request was already decided, but the decision has not reached the broker yet. Wait a minute and press the button again to deliver it.'),
        );
      case 'counted':
        return respond(countedPage(outcome.request, outcome.approval, outcome.approvals, outcome.quorum, outcome.duplicate));
      case 'not-routed':
        return respond(notFoundPage());
      default:
        return respond(closedOutcomePage(outcome));
    }
  } catch (error) {
    log.error('review request failed', { requestId, errorName: errorName(error) });
    return respond(errorPage(500, 'The request could not be handled.'), {}, head);
  }
}
