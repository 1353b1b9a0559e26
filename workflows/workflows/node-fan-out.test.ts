import { describe, expect, it } from 'vitest';
import { fanOut } from './node-fan-out.js';

/** A run per item that resolves (or rejects, for names starting with "bad") when released by the test. */
function gatedRuns() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (item: string) => {
    started.push(item);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<string>((resolve, reject) => {
      gates.set(item, () => {
        inFlight -= 1;
        if (item.startsWith('bad')) reject(new Error(`${item} failed`));
        else resolve(item.toUpperCase());
      });
    });
  };
  const release = async (item: string) => {
    gates.get(item)!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, release, started, max: () => maxInFlight };
}

describe('fanOut', () => {
  it('runs at most `limit` items at once, starting the next in order as each finishes', async () => {
    const g = gatedRuns();
    const done = fanOut(['a', 'b', 'c', 'd', 'e'], { limit: 2, failFast: true }, g.run);
    await new Promise((resolve) => setImmediate(resolve));
    expect(g.started).toEqual(['a', 'b']);
    await g.release('b');
    expect(g.started).toEqual(['a', 'b', 'c']);
    for (const item of ['a', 'c', 'd', 'e']) await g.release(item);
    expect((await done).map((o) => (o.status === 'fulfilled' ? o.value : o.status))).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(g.max()).toBe(2);
  });

  it('starts nothing new after a failure when failing fast, and says which items never started', async () => {
    const g = gatedRuns();
    const done = fanOut(['a', 'bad', 'c', 'd'], { limit: 2, failFast: true }, g.run);
    await g.release('bad');
    await g.release('a');
    const outcomes = await done;
    expect(g.started).toEqual(['a', 'bad']);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'not-started', 'not-started']);
  });

  it('runs every item despite failures when not failing fast (wipes)', async () => {
    const g = gatedRuns();
    const done = fanOut(['bad1', 'b', 'bad2'], { limit: 1, failFast: false }, g.run);
    for (const item of ['bad1', 'b', 'bad2']) await g.release(item);
    expect((await done).map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
  });

  it('without a bound starts every item at once, in order, before yielding (as Promise.allSettled does)', async () => {
    const g = gatedRuns();
    const done = fanOut(['a', 'b', 'c'], { limit: Number.POSITIVE_INFINITY, failFast: false }, g.run);
    expect(g.started).toEqual(['a', 'b', 'c']);
    for (const item of ['c', 'a', 'b']) await g.release(item);
    expect((await done).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });
});
