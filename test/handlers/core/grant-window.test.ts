import fc from 'fast-check';
import {
  MINT_HANDOVER_SECONDS,
  approvedExpiry,
  isGrantOfRequest,
  isoSeconds,
  newGrantId,
  sourceIdentityFor,
  stsDurationSeconds,
} from '../../../handlers/core/grant-window';
import { REQUEST_ID_PATTERN } from '../../../handlers/core/elevation-request';

const requestIds = fc.stringMatching(REQUEST_ID_PATTERN);

describe('stsDurationSeconds', () => {
  it('never asks STS for less than 900 s or more than the 3600 s chaining cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (minutes) => {
        const seconds = stsDurationSeconds(minutes);
        expect(seconds).toBeGreaterThanOrEqual(900);
        expect(seconds).toBeLessThanOrEqual(3600);
        // Long enough for the fence (the minutes plus the handover), as far as the cap allows.
        if (minutes * 60 + MINT_HANDOVER_SECONDS >= 900 && minutes * 60 + MINT_HANDOVER_SECONDS <= 3600) expect(seconds).toBe(minutes * 60 + MINT_HANDOVER_SECONDS);
        if (minutes >= 59) expect(seconds).toBe(3600);
      }),
    );
  });

  it('gives a 5-minute grant a 15-minute STS session', () => {
    expect(stsDurationSeconds(5)).toBe(900);
  });

  it('refuses minutes that are not a positive whole number', () => {
    expect(() => stsDurationSeconds(0)).toThrow(/positive whole number. Received: 0/);
    expect(() => stsDurationSeconds(1.5)).toThrow(RangeError);
  });
});

describe('approvedExpiry', () => {
  it('ends exactly the approved minutes after the grant, on a whole second', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }), fc.integer({ min: 1, max: 60 }), (at, minutes) => {
        const expiry = approvedExpiry(at, minutes);
        expect(expiry.getTime() % 1000).toBe(0);
        const delta = expiry.getTime() - at.getTime();
        expect(delta).toBeLessThanOrEqual(minutes * 60_000);
        expect(delta).toBeGreaterThan(minutes * 60_000 - 1000);
      }),
    );
  });

  it('formats without milliseconds for IAM conditions', () => {
    expect(isoSeconds(new Date('2026-11-28T10:05:00.999Z'))).toBe('2026-11-28T10:05:00Z');
  });
});

describe('grant ids', () => {
  it('fit a Secrets Manager version id (32-64 characters) and belong to their request', () => {
    fc.assert(
      fc.property(requestIds, fc.uint8Array({ minLength: 12, maxLength: 12 }), (requestId, bytes) => {
        const id = newGrantId(requestId, Buffer.from(bytes).toString('hex'));
        expect(id.length).toBeGreaterThanOrEqual(32);
        expect(id.length).toBeLessThanOrEqual(64);
        expect(isGrantOfRequest(id, requestId)).toBe(true);
      }),
    );
  });

  it('do not count as a grant of a request whose id is a prefix of the real one', () => {
    const id = newGrantId('req-abcdefgh-1', 'a'.repeat(24));
    expect(isGrantOfRequest(id, 'req-abcdefgh')).toBe(false);
    expect(isGrantOfRequest('some-random-version-id-0000000000', 'req-abcdefgh')).toBe(false);
  });

  it('source identities stay within the 2-64 characters STS allows', () => {
    fc.assert(
      fc.property(requestIds, (requestId) => {
        const sourceIdentity = sourceIdentityFor(requestId);
        expect(sourceIdentity.length).toBeLessThanOrEqual(64);
        expect(sourceIdentity).toMatch(/^[\w+=,.@-]{2,64}$/);
      }),
    );
  });
});
