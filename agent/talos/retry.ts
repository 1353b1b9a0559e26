import { setTimeout as delay } from 'node:timers/promises';

/** How a bounded retry loop spaces its attempts. */
export interface Backoff {
  /** Delay before the second attempt. */
  initialDelayMs: number;
  /** Upper bound of any delay (the delay doubles up to it). */
  maxDelayMs: number;
}

/** Converts a `Date` or epoch-ms deadline to epoch ms. */
export function deadlineMs(deadline: Date | number): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * The delay before attempt `attempt + 1` (attempt counts from 1), doubled each time, capped,
 * with ±20 % jitter so a fleet of agents does not retry in lockstep, and never past the deadline.
 */
export function nextDelay(backoff: Backoff, attempt: number, deadline: number, now = Date.now()): number {
  const base = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (0.8 + Math.random() * 0.4);
  return Math.max(0, Math.min(jittered, deadline - now));
}

/** Sleeps `ms` milliseconds (rejects early with the abort reason when `signal` fires). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined);
}

/** Options of {@link retryUntil}. */
export interface RetryUntilOptions<E> {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  backoff: Backoff;
  /** Turns whatever an attempt threw into the error type the caller deals in. */
  normalize: (err: unknown) => E;
  /** True when trying again may help; other errors are thrown at once. */
  shouldRetry: (err: E) => boolean;
  /** Builds the error thrown when the deadline passes, from the last failure. */
  onDeadline: (last: E) => Error;
  onRetry?: (attempt: number, err: E) => void;
  signal?: AbortSignal;
}

/** Runs `attempt` until it succeeds, a failure is not retryable, or the deadline passes. */
export async function retryUntil<T, E>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryUntilOptions<E>,
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (raw) {
      const err = options.normalize(raw);
      if (!options.shouldRetry(err)) throw err;
      if (Date.now() >= options.deadline) throw options.onDeadline(err);
      options.onRetry?.(n, err);
      await sleep(nextDelay(options.backoff, n, options.deadline), options.signal);
    }
  }
}
