import type { Context, Next } from 'koa';
import { RateLimitedError } from '../../shared/errors.js';
import { authOf } from '../http/state.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';

/**
 * Spends one request of the key's allowance; sets `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (IETF draft-ietf-httpapi-ratelimit-headers) and `RateLimit-Policy` on every
 * authenticated response. Throws RateLimitedError (429 with `Retry-After`) when it is spent.
 */
export function rateLimit(limiter: RateLimiter, policy: { perMinute: number; perHour: number }) {
  const policyHeader = `${policy.perMinute};w=60, ${policy.perHour};w=3600`;
  return async function limitRate(ctx: Context, next: Next): Promise<void> {
    // Agent credentials are machine identities bound to one site: their request volume follows the
    // work Rackpilot itself hands them (long polls, per-job heartbeats), so the per-person API
    // limits would throttle provisioning. Their endpoints are scoped and validated instead.
    if (authOf(ctx).role === 'agent') return next();
    const decision = await limiter.consume(authOf(ctx).keyId);
    ctx.set('RateLimit-Limit', String(decision.limit));
    ctx.set('RateLimit-Remaining', String(decision.remaining));
    ctx.set('RateLimit-Reset', String(decision.resetSeconds));
    ctx.set('RateLimit-Policy', policyHeader);
    if (!decision.allowed) {
      throw new RateLimitedError(decision.retryAfterSeconds ?? decision.resetSeconds, {
        limit: decision.limit,
        window: decision.window,
      });
    }
    await next();
  };
}
