import { MAX_SESSION_POLICY_CHARS, timeFencedSessionPolicy } from '../../../handlers/core/session-policy';

describe('timeFencedSessionPolicy', () => {
  it('allows only while aws:CurrentTime is before the approved expiry', () => {
    const policy = JSON.parse(timeFencedSessionPolicy(new Date('2026-11-28T10:05:00.400Z')));
    expect(policy.Statement).toEqual([
      {
        Sid: 'JitTimeFence',
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': '2026-11-28T10:05:00Z' } },
      },
    ]);
  });

  it('stays far below the 2,048-character packed policy limit', () => {
    expect(timeFencedSessionPolicy(new Date()).length).toBeLessThan(MAX_SESSION_POLICY_CHARS / 4);
  });
});
