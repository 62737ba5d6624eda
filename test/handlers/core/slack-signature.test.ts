import { MAX_SLACK_SKEW_SECONDS, slackSignature, verifySlackRequest } from '../../../handlers/core/slack-signature';

/**
 * Slack's own worked example (a slash command body), from the page that defines the scheme.
 * @see https://api.slack.com/docs/verifying-requests-from-slack
 */
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT_DOC_TIME = new Date(Number(DOC_TIMESTAMP) * 1000);

function request(headers: Record<string, string | undefined>, body = DOC_BODY) {
  return { headers, rawBody: Buffer.from(body, 'utf8') };
}

describe('Slack request signatures', () => {
  it("computes Slack's documented example signature", () => {
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
  });

  it('accepts a request signed with the signing secret, within five minutes', () => {
    const headers = { 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': DOC_SIGNATURE };
    const later = new Date(AT_DOC_TIME.getTime() + MAX_SLACK_SKEW_SECONDS * 1000);

    expect(verifySlackRequest(request(headers), DOC_SECRET, AT_DOC_TIME)).toEqual({ ok: true, timestamp: 1531420618, signature: DOC_SIGNATURE });
    expect(verifySlackRequest(request(headers), DOC_SECRET, later).ok).toBe(true);
  });

  it('refuses a signature made with another secret, a changed body, or a changed timestamp', () => {
    const headers = { 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': DOC_SIGNATURE };
    const otherSecret = slackSignature('another-secret-of-another-app', DOC_TIMESTAMP, DOC_BODY);

    expect(verifySlackRequest(request({ ...headers, 'x-slack-signature': otherSecret }), DOC_SECRET, AT_DOC_TIME)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackRequest(request(headers, DOC_BODY.replace('text=', 'text=approve')), DOC_SECRET, AT_DOC_TIME)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackRequest(request({ ...headers, 'x-slack-request-timestamp': '1531420619' }), DOC_SECRET, AT_DOC_TIME)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a malformed signature without comparing it (v1, upper case, short)', () => {
    for (const signature of [DOC_SIGNATURE.replace('v0=', 'v1='), DOC_SIGNATURE.toUpperCase(), DOC_SIGNATURE.slice(0, 40)]) {
      expect(verifySlackRequest(request({ 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': signature }), DOC_SECRET, AT_DOC_TIME)).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
    }
  });

  it('refuses a correctly signed request more than five minutes old or ahead', () => {
    const headers = { 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': DOC_SIGNATURE };
    const skew = (MAX_SLACK_SKEW_SECONDS + 1) * 1000;

    expect(verifySlackRequest(request(headers), DOC_SECRET, new Date(AT_DOC_TIME.getTime() + skew))).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifySlackRequest(request(headers), DOC_SECRET, new Date(AT_DOC_TIME.getTime() - skew))).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it('refuses a request without the two headers or with a timestamp that is not Unix seconds', () => {
    expect(verifySlackRequest(request({ 'x-slack-signature': DOC_SIGNATURE }), DOC_SECRET, AT_DOC_TIME)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifySlackRequest(request({ 'x-slack-request-timestamp': DOC_TIMESTAMP }), DOC_SECRET, AT_DOC_TIME)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(
      verifySlackRequest(request({ 'x-slack-request-timestamp': '2018-07-12T18:36:58Z', 'x-slack-signature': DOC_SIGNATURE }), DOC_SECRET, AT_DOC_TIME),
    ).toEqual({ ok: false, reason: 'missing-headers' });
  });
});
