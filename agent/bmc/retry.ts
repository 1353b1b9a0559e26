import { isBmcError } from './bmc-errors.js';

/**
 * Bounded retry of transient BMC failures, modelled on Ironic's ipmitool driver
 * (`[ipmi] command_retry_timeout = 60`, `min_command_interval = 5`): keep trying for up to a total
 * budget, with attempts at least `initialDelayMs` apart, backing off up to `maxDelayMs`.
 */

/** How long and how often to retry. */
export interface RetryPolicy {
  /** Give up when the next attempt would start after this much time since the first. */
  totalMs: number;
  /** Pause after the first failure. */
  initialDelayMs: number;
  /** Upper bound of the pause between attempts. */
  maxDelayMs: number;
  /** Growth of the pause from one attempt to the next. */
  multiplier: number;
  /**
   * The cadence for a BMC that did not answer at all (BmcUnreachable), when it differs. A lost
   * UDP packet is not a busy BMC: waiting longer does not make the next attempt likelier to get
   * through, trying again does. Counted apart from the other failures of the same call.
   */
  unanswered?: Omit<RetryPolicy, 'unanswered'>;
}

/**
 * The production policy. A BMC that answers "busy" gets Ironic's cadence: about 60 s in all,
 * attempts 5 s apart growing to 15 s. One that does not answer is tried again after 1 s, backing
 * off to 5 s, for up to 3 min: on a lossy management network most ipmitool runs lose one of the
 * 7–8 datagrams a lanplus session needs, and ipmitool's own retransmissions rarely save the run
 * (bench/README.md, "Lossy BMC network").
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  totalMs: 60_000,
  initialDelayMs: 5_000,
  maxDelayMs: 15_000,
  multiplier: 1.5,
  unanswered: { totalMs: 180_000, initialDelayMs: 1_000, maxDelayMs: 5_000, multiplier: 1.5 },
};

/** Clock and hooks of {@link withRetry}; injectable so tests need not wait. */
export interface RetryHooks {
  /** Whether an error is worth another attempt. Default: a BMC error marked retryable. */
  isRetryable?: (err: unknown) => boolean;
  /** Whether an error means nothing answered (the policy's `unanswered` cadence). Default: BmcUnreachable. */
  isUnanswered?: (err: unknown) => boolean;
  /** Called before each pause, for logging. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const defaultRetryable = (err: unknown): boolean => isBmcError(err) && err.retryable;
const defaultUnanswered = (err: unknown): boolean => isBmcError(err) && err.type === 'BmcUnreachable';

/**
 * Runs `fn` until it succeeds, throws a non-retryable error, or the budget is spent; then rethrows the
 * last error. A BMC error leaves with `details.attempts` set to the number of attempts made.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const {
    isRetryable = defaultRetryable,
    isUnanswered = defaultUnanswered,
    sleep = abortableSleep,
    now = Date.now,
    signal,
    onRetry,
  } = hooks;
  const started = now();
  const retriesSoFar = new Map<Omit<RetryPolicy, 'unanswered'>, number>();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      const cadence = policy.unanswered && isUnanswered(error) ? policy.unanswered : policy;
      const n = retriesSoFar.get(cadence) ?? 0;
      const delay = Math.min(cadence.maxDelayMs, Math.round(cadence.initialDelayMs * cadence.multiplier ** n));
      const outOfTime = now() + delay - started > cadence.totalMs;
      if (signal?.aborted || !isRetryable(error) || outOfTime) {
        if (isBmcError(error)) error.details.attempts = attempt;
        throw error;
      }
      retriesSoFar.set(cadence, n + 1);
      onRetry?.({ attempt, delayMs: delay, error });
      await sleep(delay, signal);
    }
  }
}
