import type { Logger } from '../../shared/logger.js';
import type { WindowCounts } from '../../db/rate-limit-repository.js';

/** The shared counter the limiter reserves from (RateLimitRepository in production). */
export interface RateLimitStore {
  increment(keyId: string, hourStart: Date, minute: number, n: number, expiresAt: Date): Promise<WindowCounts>;
  giveBack(keyId: string, hourStart: Date, n: number): Promise<void>;
  deleteExpired(now: Date): Promise<number>;
}

/** Limits and how many requests one process may reserve at once. */
export interface RateLimitOptions {
  perMinute: number;
  perHour: number;
  /** Largest reservation; 1 = count every request in the database. */
  maxBatch: number;
}

/** The answer for one request, and what the `RateLimit-*` headers say. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The window that binds (the one with fewer requests left). */
  window: 'minute' | 'hour';
  /** That window's limit. */
  limit: number;
  remaining: number;
  /** Seconds until that window resets. */
  resetSeconds: number;
  /** Set when refused: seconds until a request can succeed. */
  retryAfterSeconds?: number;
}

interface Bucket {
  hourStart: number;
  minute: number;
  /** Requests reserved in the shared counter and not yet used by this process. */
  tokens: number;
  minuteCount: number;
  hourCount: number;
  blockedUntil: number;
  pending: Promise<void> | undefined;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const CLEANUP_EVERY = 10 * MINUTE;

/**
 * Fixed-window limits per API key (per minute and per clock hour), shared by every API process.
 *
 * Each process reserves requests from the shared counter with one atomic `$inc` upsert and
 * spends them locally. A reservation is a tenth of what is left in the tighter window (at least 1,
 * at most `maxBatch`), so near the limit every request is counted in the database and the
 * processes together never admit more than the limit; a process may hold a few unused
 * reservations, so together they can admit slightly fewer. Once a window is exhausted the
 * process refuses locally until it resets (a window's count only grows), so a flood of
 * over-limit requests costs the database nothing.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastCleanup = 0;

  constructor(
    private readonly store: RateLimitStore,
    private readonly options: RateLimitOptions,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /** Spends one request of `keyId`'s allowance. */
  async consume(keyId: string): Promise<RateLimitDecision> {
    for (;;) {
      const at = this.now().getTime();
      this.maybeCleanup(at);
      const bucket = this.bucketFor(keyId, at);
      if (bucket.blockedUntil > at) return this.refusal(bucket, at);
      if (bucket.tokens > 0) {
        bucket.tokens -= 1;
        return this.decision(bucket, at);
      }
      if (bucket.pending) {
        await bucket.pending;
        continue;
      }
      bucket.pending = this.reserve(keyId, bucket, at).finally(() => {
        bucket.pending = undefined;
      });
      await bucket.pending;
      if (bucket.tokens === 0 && bucket.blockedUntil > at) return this.refusal(bucket, at);
    }
  }

  private bucketFor(keyId: string, at: number): Bucket {
    const hourStart = Math.floor(at / HOUR) * HOUR;
    const minute = Math.floor((at - hourStart) / MINUTE);
    const old = this.buckets.get(keyId);
    if (old && old.hourStart === hourStart && old.minute === minute) return old;
    if (old && old.hourStart === hourStart && old.tokens > 0) {
      // Unused reservations of the past minute would otherwise count against the hour.
      this.store.giveBack(keyId, new Date(hourStart), old.tokens).catch((err: unknown) => {
        this.log.warn({ err, keyId }, 'rate-limit give-back failed');
      });
    }
    const sameHour = old?.hourStart === hourStart;
    const hourBlocked = sameHour && old.blockedUntil >= hourStart + HOUR;
    const bucket: Bucket = {
      hourStart,
      minute,
      tokens: 0,
      minuteCount: 0,
      hourCount: sameHour ? old.hourCount - old.tokens : 0,
      blockedUntil: hourBlocked ? old.blockedUntil : 0,
      pending: undefined,
    };
    this.buckets.set(keyId, bucket);
    return bucket;
  }

  private async reserve(keyId: string, bucket: Bucket, at: number): Promise<void> {
    const { perMinute, perHour, maxBatch } = this.options;
    const left = Math.min(perMinute - bucket.minuteCount, perHour - bucket.hourCount);
    const n = Math.max(1, Math.min(maxBatch, Math.floor(left / 10)));
    const counts = await this.store.increment(
      keyId,
      new Date(bucket.hourStart),
      bucket.minute,
      n,
      new Date(bucket.hourStart + 2 * HOUR),
    );
    bucket.minuteCount = counts.minute;
    bucket.hourCount = counts.hour;
    const granted = Math.max(0, Math.min(n, perMinute - (counts.minute - n), perHour - (counts.hour - n)));
    bucket.tokens += granted;
    if (granted < n) {
      // Refused requests do not spend the hour's allowance.
      bucket.hourCount -= n - granted;
      this.store.giveBack(keyId, new Date(bucket.hourStart), n - granted).catch((err: unknown) => {
        this.log.warn({ err, keyId }, 'rate-limit give-back failed');
      });
    }
    if (granted === 0) {
      const minuteEnd = bucket.hourStart + (bucket.minute + 1) * MINUTE;
      const hourSpent = counts.hour - n >= perHour;
      bucket.blockedUntil = hourSpent ? bucket.hourStart + HOUR : minuteEnd;
      if (at >= bucket.blockedUntil) bucket.blockedUntil = at + 1;
    }
  }

  private decision(bucket: Bucket, at: number): RateLimitDecision {
    const { perMinute, perHour } = this.options;
    const minuteLeft = Math.max(0, perMinute - bucket.minuteCount) + bucket.tokens;
    const hourLeft = Math.max(0, perHour - bucket.hourCount) + bucket.tokens;
    const hourBinds = hourLeft < minuteLeft;
    const resetAt = hourBinds ? bucket.hourStart + HOUR : bucket.hourStart + (bucket.minute + 1) * MINUTE;
    return {
      allowed: true,
      window: hourBinds ? 'hour' : 'minute',
      limit: hourBinds ? perHour : perMinute,
      remaining: Math.min(minuteLeft, hourLeft),
      resetSeconds: Math.max(1, Math.ceil((resetAt - at) / 1000)),
    };
  }

  private refusal(bucket: Bucket, at: number): RateLimitDecision {
    const hourBinds = bucket.blockedUntil >= bucket.hourStart + HOUR;
    const seconds = Math.max(1, Math.ceil((bucket.blockedUntil - at) / 1000));
    return {
      allowed: false,
      window: hourBinds ? 'hour' : 'minute',
      limit: hourBinds ? this.options.perHour : this.options.perMinute,
      remaining: 0,
      resetSeconds: seconds,
      retryAfterSeconds: seconds,
    };
  }

  /** TTL indexes do not expire documents on FerretDB: delete past windows ourselves now and then. */
  private maybeCleanup(at: number): void {
    if (at - this.lastCleanup < CLEANUP_EVERY) return;
    this.lastCleanup = at;
    for (const [keyId, bucket] of this.buckets) if (bucket.hourStart + HOUR <= at) this.buckets.delete(keyId);
    this.store.deleteExpired(new Date(at)).catch((err: unknown) => this.log.warn({ err }, 'rate-limit cleanup failed'));
  }
}
