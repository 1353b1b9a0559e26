import { describe, expect, it } from 'vitest';
import { abortableSleep } from './retry.js';
import { KeyedMutex } from './bmc-queue.js';

describe('KeyedMutex', () => {
  it('runs calls with the same key one at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string, ms: number) =>
      mutex.run('10.0.0.5:623', async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        events.push(`start ${name}`);
        await abortableSleep(ms);
        events.push(`end ${name}`);
        running -= 1;
        return name;
      });
    const results = await Promise.all([task('a', 30), task('b', 5), task('c', 10)]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(maxRunning).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(mutex.activeKeys).toBe(0);
  });

  it('runs different keys in parallel', async () => {
    const mutex = new KeyedMutex();
    let running = 0;
    let maxRunning = 0;
    const task = (key: string) =>
      mutex.run(key, async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await abortableSleep(20);
        running -= 1;
      });
    await Promise.all([task('a:623'), task('b:623'), task('c:623')]);
    expect(maxRunning).toBe(3);
  });

  it('keeps the queue moving after a failure', async () => {
    const mutex = new KeyedMutex();
    const first = mutex.run('k', async () => {
      throw new Error('boom');
    });
    const second = mutex.run('k', async () => 'next');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('next');
    expect(mutex.activeKeys).toBe(0);
  });
});
