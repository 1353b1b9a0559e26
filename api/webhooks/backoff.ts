/** How retries of a failed delivery are spaced. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before attempt `attempt + 1`, after `attempt` (≥ 1) attempts failed: exponential
 * (`base · 2^(attempt-1)`, capped at `max`) with "equal jitter" — a random half of it — so receivers
 * recovering from an outage are not hit by every sender at the same instant, yet the delay never
 * falls below half the schedule. A receiver's `Retry-After` (seconds) is honoured when longer, up
 * to `max`.
 */
export function retryDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  options: { random?: () => number; retryAfterSeconds?: number } = {},
): number {
  const random = options.random ?? Math.random;
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  const asked = options.retryAfterSeconds !== undefined ? options.retryAfterSeconds * 1000 : 0;
  return Math.round(Math.min(policy.maxMs, Math.max(jittered, asked)));
}

/** Parses `Retry-After` as seconds (delta form only; an HTTP date is ignored). */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,7}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
