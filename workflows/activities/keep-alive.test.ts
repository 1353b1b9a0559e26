import { afterEach, describe, expect, it, vi } from 'vitest';
import { keepAlive } from './keep-alive.js';

describe('keepAlive', () => {
  afterEach(() => vi.useRealTimers());

  it('heartbeats at once and then every interval while the work runs, and stops when it ends', async () => {
    vi.useFakeTimers();
    const heartbeat = vi.fn();
    let finish!: (v: string) => void;
    const running = keepAlive(() => new Promise<string>((resolve) => (finish = resolve)), 1_000, heartbeat);
    expect(heartbeat).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(heartbeat).toHaveBeenCalledTimes(4);
    finish('done');
    await expect(running).resolves.toBe('done');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(heartbeat).toHaveBeenCalledTimes(4);
  });

  it('stops heartbeating when the work fails, and passes the failure on', async () => {
    vi.useFakeTimers();
    const heartbeat = vi.fn();
    await expect(keepAlive(() => Promise.reject(new Error('boom')), 1_000, heartbeat)).rejects.toThrow('boom');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(heartbeat).toHaveBeenCalledTimes(1);
  });

  it('only runs the work outside an activity', async () => {
    await expect(keepAlive(async () => 42)).resolves.toBe(42);
  });
});
