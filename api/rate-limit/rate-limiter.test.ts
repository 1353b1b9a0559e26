import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WindowCounts } from '../../db/rate-limit-repository.js';
import { RateLimiter, type RateLimitStore } from './rate-limiter.js';

/** An in-memory stand-in for the shared counter, atomic like MongoDB's `$inc`. */
class MemoryStore implements RateLimitStore {
  readonly windows = new Map<string, { hour: number; m: Map<number, number> }>();
  increments = 0;
  deletes = 0;
  async increment(keyId: string, hourStart: Date, minute: number, n: number): Promise<WindowCounts> {
    this.increments += 1;
    const id = `${keyId}:${hourStart.getTime()}`;
    const w = this.windows.get(id) ?? { hour: 0, m: new Map<number, number>() };
    this.windows.set(id, w);
    w.hour += n;
    w.m.set(minute, (w.m.get(minute) ?? 0) + n);
    return { hour: w.hour, minute: w.m.get(minute) ?? 0 };
  }
  async giveBack(keyId: string, hourStart: Date, n: number): Promise<void> {
    const w = this.windows.get(`${keyId}:${hourStart.getTime()}`);
    if (w) w.hour -= n;
  }
  async deleteExpired(): Promise<number> {
    this.deletes += 1;
    return 0;
  }
}

const silent = pino({ level: 'silent' });
const HOUR_START = Date.UTC(2030, 0, 1, 10, 0, 0);

function setup(options = { perMinute: 100, perHour: 1000, maxBatch: 100 }, startMs = HOUR_START + 5_000) {
  const clock = { ms: startMs };
  const store = new MemoryStore();
  const make = () => new RateLimiter(store, options, () => new Date(clock.ms), silent);
  return { clock, store, limiter: make(), make };
}

async function spend(limiter: RateLimiter, n: number, key = 'k1') {
  const out = [];
  for (let i = 0; i < n; i += 1) out.push(await limiter.consume(key));
  return out;
}

describe('RateLimiter', () => {
  it('admits 100 requests in a minute and refuses the 101st with the seconds left in the window', async () => {
    const { limiter } = setup();
    const decisions = await spend(limiter, 101);
    expect(decisions.slice(0, 100).every((d) => d.allowed)).toBe(true);
    expect(decisions.map((d) => d.remaining).slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
    expect(decisions[100]).toMatchObject({ allowed: false, remaining: 0, limit: 100, retryAfterSeconds: 55 });
  });

  it('reserves in batches far from the limit and counts every request near it', async () => {
    const { limiter, store } = setup();
    await spend(limiter, 100);
    expect(store.increments).toBeGreaterThan(20);
    expect(store.increments).toBeLessThan(50);
    const exact = setup({ perMinute: 100, perHour: 1000, maxBatch: 1 });
    await spend(exact.limiter, 100);
    expect(exact.store.increments).toBe(100);
  });

  it('refuses a flood locally once the window is spent', async () => {
    const { limiter, store } = setup();
    await spend(limiter, 101);
    const before = store.increments;
    const flood = await spend(limiter, 500);
    expect(flood.every((d) => !d.allowed)).toBe(true);
    expect(store.increments).toBe(before);
  });

  it('opens again in the next minute, and the hour limit binds across minutes', async () => {
    const { limiter, clock } = setup({ perMinute: 100, perHour: 150, maxBatch: 100 });
    expect((await spend(limiter, 101)).filter((d) => d.allowed)).toHaveLength(100);
    clock.ms += 60_000;
    const next = await spend(limiter, 60);
    expect(next.filter((d) => d.allowed)).toHaveLength(50);
    expect(next[59]).toMatchObject({ allowed: false, limit: 150 });
    expect(next[59]?.retryAfterSeconds).toBe(3600 - 65);
    clock.ms = HOUR_START + 3_600_000;
    expect((await limiter.consume('k1')).allowed).toBe(true);
  });

  it('keeps keys apart', async () => {
    const { limiter } = setup();
    await spend(limiter, 101, 'a');
    expect((await limiter.consume('b')).allowed).toBe(true);
  });

  it('never lets two processes sharing the counter admit more than the limit together', async () => {
    const { make } = setup();
    const [a, b] = [make(), make()];
    let admitted = 0;
    for (let i = 0; i < 300; i += 1) if ((await (i % 2 ? a : b).consume('k1')).allowed) admitted += 1;
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(95);
  });

  it('shares the exact limit between processes when batching is off', async () => {
    const { make } = setup({ perMinute: 100, perHour: 1000, maxBatch: 1 });
    const [a, b] = [make(), make()];
    expect((await spend(a, 60)).every((d) => d.allowed)).toBe(true);
    const fromB = await spend(b, 41);
    expect(fromB.filter((d) => d.allowed)).toHaveLength(40);
    expect((await a.consume('k1')).allowed).toBe(false);
  });

  it('serialises concurrent requests of one key into one reservation at a time', async () => {
    const { limiter, store } = setup();
    const decisions = await Promise.all(Array.from({ length: 150 }, () => limiter.consume('k1')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
    expect(store.windows.get(`k1:${HOUR_START}`)?.m.get(0)).toBeLessThanOrEqual(101);
  });

  it('deletes expired windows itself every ten minutes', async () => {
    const { limiter, store, clock } = setup();
    await limiter.consume('k1');
    clock.ms += 11 * 60_000;
    await limiter.consume('k1');
    expect(store.deletes).toBe(2);
  });
});
