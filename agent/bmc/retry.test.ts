import { describe, expect, it } from 'vitest';
import { BmcAuthFailedError, BmcSessionLimitError, BmcUnreachableError } from './bmc-errors.js';
import { abortableSleep, DEFAULT_RETRY_POLICY, withRetry } from './retry.js';

/** A fake clock: `sleep` advances time instead of waiting, and records each pause. */
function fakeClock() {
  let t = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => t,
    sleep: async (ms: number) => {
      pauses.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('withRetry', () => {
  it('retries a transient failure until it succeeds', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new BmcSessionLimitError('no free session');
        return 'ok';
      },
      DEFAULT_RETRY_POLICY,
      clock,
    );
    expect(result).toBe('ok');
    expect(clock.pauses).toEqual([5_000, 7_500]);
  });

  it('never retries an auth failure', async () => {
    const clock = fakeClock();
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        throw new BmcAuthFailedError('bad password');
      },
      DEFAULT_RETRY_POLICY,
      clock,
    );
    await expect(failing).rejects.toMatchObject({ type: 'BmcAuthFailed', details: { attempts: 1 } });
    expect(calls).toBe(1);
    expect(clock.pauses).toEqual([]);
  });

  it('gives up on a busy BMC within the total budget, pausing at least the initial delay, backing off to the cap', async () => {
    const clock = fakeClock();
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        clock.advance(2_000);
        throw new BmcSessionLimitError('no free session');
      },
      DEFAULT_RETRY_POLICY,
      clock,
    );
    await expect(failing).rejects.toMatchObject({ type: 'BmcSessionLimit', details: { attempts: 5 } });
    expect(clock.pauses).toEqual([5_000, 7_500, 11_250, 15_000]);
    expect(clock.now()).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.totalMs);
    expect(calls).toBe(5);
  });

  it('tries a BMC that does not answer again soon, and for longer: lost datagrams, not a busy BMC', async () => {
    const clock = fakeClock();
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        clock.advance(4_000); // each run itself waits out ipmitool's -N 2 -R 1 against a dead BMC
        throw new BmcUnreachableError('no answer');
      },
      DEFAULT_RETRY_POLICY,
      clock,
    );
    await expect(failing).rejects.toMatchObject({ type: 'BmcUnreachable' });
    expect(clock.pauses.slice(0, 6)).toEqual([1_000, 1_500, 2_250, 3_375, 5_000, 5_000]);
    // No attempt starts after the budget; the last one may end past it by its own length.
    expect(clock.now()).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.unanswered!.totalMs + 4_000);
    expect(clock.now()).toBeGreaterThan(DEFAULT_RETRY_POLICY.totalMs);
    expect(calls).toBeGreaterThan(20);
  });

  it('keeps the two cadences apart when a call meets both kinds of failure', async () => {
    const clock = fakeClock();
    const failures = [
      new BmcUnreachableError('no answer'),
      new BmcSessionLimitError('no free session'),
      new BmcUnreachableError('no answer'),
    ];
    const result = await withRetry(
      async () => {
        const next = failures.shift();
        if (next) throw next;
        return 'ok';
      },
      DEFAULT_RETRY_POLICY,
      clock,
    );
    expect(result).toBe('ok');
    expect(clock.pauses).toEqual([1_000, 5_000, 1_500]);
  });

  it('stops when the signal aborts during a pause', async () => {
    const controller = new AbortController();
    const failing = withRetry(
      async () => {
        throw new BmcUnreachableError('no answer');
      },
      { totalMs: 10_000, initialDelayMs: 5_000, maxDelayMs: 5_000, multiplier: 1 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(failing).rejects.toThrow('cancelled');
  });
});

describe('abortableSleep', () => {
  it('waits the given time', async () => {
    const started = Date.now();
    await abortableSleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
