import { randomBytes } from 'node:crypto';
import {
  capabilityMatches,
  encodeCapability,
  hashCapability,
  isWellFormedCapability,
  reviewLink,
} from '../../../handlers/core/approval-capability';

describe('approval capability', () => {
  it('carries 256 random bits and is stored only as its SHA-256', () => {
    const capability = encodeCapability(randomBytes(32));
    expect(isWellFormedCapability(capability)).toBe(true);
    const stored = hashCapability(capability);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(capability);
    expect(capabilityMatches(capability, stored)).toBe(true);
  });

  it('refuses a forged, truncated or malformed capability', () => {
    const capability = encodeCapability(randomBytes(32));
    const stored = hashCapability(capability);
    expect(capabilityMatches(encodeCapability(randomBytes(32)), stored)).toBe(false);
    expect(capabilityMatches(capability.slice(0, 42), stored)).toBe(false);
    expect(capabilityMatches(`${capability.slice(0, 42)}!`, stored)).toBe(false);
    expect(capabilityMatches(capability, 'not-a-hash')).toBe(false);
  });

  it('needs exactly 32 random bytes', () => {
    expect(() => encodeCapability(randomBytes(16))).toThrow(/32 random bytes/);
  });

  it('builds one review link with the request id in the path and the capability in the query', () => {
    expect(reviewLink('https://approve.example.com/', 'req-00000001', 'abc')).toBe(
      'https://approve.example.com/review/req-00000001?c=abc',
    );
  });
});
