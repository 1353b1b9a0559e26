import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs } from './backoff.js';

describe('retry backoff', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles per attempt, within a jittered half of the schedule', () => {
    expect(retryDelayMs(policy, 1, { random: () => 0 })).toBe(500);
    expect(retryDelayMs(policy, 1, { random: () => 0.999999 })).toBe(1_000);
    expect(retryDelayMs(policy, 2, { random: () => 0 })).toBe(1_000);
    expect(retryDelayMs(policy, 4, { random: () => 1 })).toBe(8_000);
    for (let i = 0; i < 50; i++) {
      const d = retryDelayMs(policy, 3);
      expect(d).toBeGreaterThanOrEqual(2_000);
      expect(d).toBeLessThanOrEqual(4_000);
    }
  });

  it('never exceeds the maximum, however many attempts failed', () => {
    expect(retryDelayMs(policy, 30, { random: () => 1 })).toBe(60_000);
    expect(retryDelayMs(policy, 1_000, { random: () => 0 })).toBe(30_000);
  });

  it('honours a longer Retry-After, up to the maximum', () => {
    expect(retryDelayMs(policy, 1, { random: () => 0, retryAfterSeconds: 5 })).toBe(5_000);
    expect(retryDelayMs(policy, 1, { random: () => 0, retryAfterSeconds: 3_600 })).toBe(60_000);
    expect(retryDelayMs(policy, 5, { random: () => 1, retryAfterSeconds: 1 })).toBe(16_000);
  });

  it('reads Retry-After in seconds and ignores dates and junk', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(' 7 ')).toBe(7);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
