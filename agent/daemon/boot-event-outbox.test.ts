import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { BootEventOutbox } from './boot-event-outbox.js';

class Down extends Error {}
class Refused extends Error {}

/** An API that is down for the first `downFor` calls, refuses events named in `refuse`, and records what it got. */
function api(downFor: number, refuse: string[] = []) {
  let calls = 0;
  const delivered: string[] = [];
  return {
    delivered,
    get calls() {
      return calls;
    },
    post: async (event: string) => {
      calls += 1;
      if (calls <= downFor) throw new Down('API unreachable');
      if (refuse.includes(event)) throw new Refused('400');
      delivered.push(event);
    },
  };
}

const silent = createLogger('agent', { level: 'silent' });
const noWait = async () => undefined;

describe('BootEventOutbox', () => {
  it('keeps every event while the API is down and delivers them in order once it is back', async () => {
    const server = api(25);
    const outbox = new BootEventOutbox<string>({
      post: server.post,
      isRetryable: (err) => err instanceof Down,
      logger: silent,
      sleep: noWait,
    });
    for (const e of ['ipxe-served aa', 'config-fetched aa', 'ipxe-served bb']) outbox.enqueue(e);
    expect(outbox.pending).toBe(3);
    await outbox.flushed();
    expect(server.delivered).toEqual(['ipxe-served aa', 'config-fetched aa', 'ipxe-served bb']);
    expect(outbox.pending).toBe(0);
  });

  it('drops an event the API refuses and goes on with the next', async () => {
    const server = api(0, ['bad']);
    const outbox = new BootEventOutbox<string>({
      post: server.post,
      isRetryable: (err) => err instanceof Down,
      logger: silent,
      sleep: noWait,
    });
    for (const e of ['bad', 'good']) outbox.enqueue(e);
    await outbox.flushed();
    expect(server.delivered).toEqual(['good']);
    expect(server.calls).toBe(2);
  });

  it('gives up on an event older than maxAgeMs: no workflow waits for it any more', async () => {
    let t = 0;
    const server = api(Number.POSITIVE_INFINITY);
    const outbox = new BootEventOutbox<string>({
      post: server.post,
      isRetryable: (err) => err instanceof Down,
      logger: silent,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      maxAgeMs: 60_000,
    });
    outbox.enqueue('stale');
    await outbox.flushed();
    expect(outbox.pending).toBe(0);
    expect(t).toBeGreaterThan(60_000);
    expect(t).toBeLessThan(60_000 + 15_000);
  });

  it('backs off between attempts, up to the cap', async () => {
    const pauses: number[] = [];
    const server = api(6);
    const outbox = new BootEventOutbox<string>({
      post: server.post,
      isRetryable: (err) => err instanceof Down,
      logger: silent,
      backoff: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
      sleep: async (ms) => void pauses.push(ms),
    });
    outbox.enqueue('e');
    await outbox.flushed();
    expect(pauses).toHaveLength(6);
    // Full jitter: each pause is in [base/2, base] of 1, 2, 4, 8, 8, 8 s.
    [1_000, 2_000, 4_000, 8_000, 8_000, 8_000].forEach((base, i) => {
      expect(pauses[i]).toBeGreaterThanOrEqual(base / 2);
      expect(pauses[i]).toBeLessThanOrEqual(base);
    });
  });

  it('drops the oldest event when full, and queues nothing once stopped', async () => {
    const server = api(0);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const outbox = new BootEventOutbox<string>({
      post: async (e) => {
        await gate;
        await server.post(e);
      },
      isRetryable: () => true,
      logger: silent,
      capacity: 2,
    });
    for (const e of ['1', '2', '3']) outbox.enqueue(e);
    release();
    await outbox.flushed();
    // '1' was being sent when '3' arrived: '2', the oldest not in flight, made room.
    expect(server.delivered).toEqual(['1', '3']);
    outbox.stop();
    outbox.enqueue('4');
    expect(outbox.pending).toBe(0);
  });
});
