import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's request signing: every request Slack sends carries `X-Slack-Request-Timestamp` (Unix seconds)
 * and `X-Slack-Signature`, which is `v0=` plus the hex HMAC-SHA256, keyed with the app's signing secret,
 * of `v0:<timestamp>:<raw request body>`. Slack tells apps to refuse timestamps more than five minutes
 * from their own clock, so a captured request cannot be replayed later, and to compare signatures in
 * constant time.
 *
 * @see https://api.slack.com/docs/verifying-requests-from-slack
 */
export const SLACK_SIGNATURE_VERSION = 'v0';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
/** Most skew between Slack's timestamp and our clock, either way. */
export const MAX_SLACK_SKEW_SECONDS = 5 * 60;

/** `v0=<hex>` for a timestamp and body: what Slack sends, and what the sandbox's stand-in sends. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${SLACK_SIGNATURE_VERSION}:${timestamp}:`);
  hmac.update(rawBody);
  return `${SLACK_SIGNATURE_VERSION}=${hmac.digest('hex')}`;
}

export type SlackVerification =
  | { readonly ok: true; readonly timestamp: number; readonly signature: string }
  | { readonly ok: false; readonly reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature' };

export interface SignedSlackRequest {
  /** Header names in lower case, as API Gateway's payload format 2.0 delivers them. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received: signatures are over bytes, not over a parsed form. */
  readonly rawBody: Buffer;
}

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/**
 * Checks a request's Slack signature. The timestamp is checked first (a stale request is refused even
 * when correctly signed), then the signature, compared in constant time over equal-length buffers.
 */
export function verifySlackRequest(request: SignedSlackRequest, signingSecret: string, now: Date): SlackVerification {
  const timestamp = request.headers[SLACK_TIMESTAMP_HEADER];
  const signature = request.headers[SLACK_SIGNATURE_HEADER];
  if (!timestamp || !signature || !TIMESTAMP.test(timestamp)) return { ok: false, reason: 'missing-headers' };
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > MAX_SLACK_SKEW_SECONDS) return { ok: false, reason: 'stale-timestamp' };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: 'bad-signature' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, request.rawBody), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  // Both are `v0=` + 64 hex digits here, so the lengths match and timingSafeEqual cannot throw.
  if (!timingSafeEqual(expected, received)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, timestamp: seconds, signature };
}
