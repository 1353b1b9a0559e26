/**
 * Delivers boot events to the API in the order they happened, until each is delivered. A boot
 * event is the only news a workflow gets that a machine fetched its config or its utility OS is
 * up; losing one while the API is down (a restart, a network cut) would leave that workflow waiting
 * out its boot timeout for a machine that booted fine.
 */
import type { Logger } from '../../shared/logger.js';
import { backoffDelay, sleep as abortableSleep, type BackoffPolicy } from '../api-client/backoff.js';

/** Options of {@link BootEventOutbox}. */
export interface BootEventOutboxOptions<E> {
  /** Sends one event; throws when it was not delivered. */
  post: (event: E) => Promise<void>;
  /** Whether a failed delivery may succeed later (API down, overloaded). Others are dropped. */
  isRetryable: (err: unknown) => boolean;
  logger: Logger;
  /** Pause between attempts; default 1 s doubling to 15 s, jittered. */
  backoff?: BackoffPolicy;
  /** An event older than this is dropped undelivered: no workflow waits that long. Default 1 h. */
  maxAgeMs?: number;
  /** At most this many events wait; the oldest is dropped past it. Default 10,000. */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface Waiting<E> {
  event: E;
  queuedAt: number;
}

/** A FIFO of undelivered events with one sender. */
export class BootEventOutbox<E> {
  private readonly waiting: Waiting<E>[] = [];
  private readonly stopped = new AbortController();
  private sending: Promise<void> | undefined;
  private inFlight: Waiting<E> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BootEventOutboxOptions<E>) {
    this.now = options.now ?? Date.now;
  }

  /** Events not delivered yet. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Queues `event` and returns at once; delivery happens in the background, in order. */
  enqueue(event: E): void {
    if (this.stopped.signal.aborted) return;
    if (this.waiting.length >= (this.options.capacity ?? 10_000)) {
      // The oldest not being sent right now: the one in flight may already have arrived.
      const index = this.waiting[0] === this.inFlight ? 1 : 0;
      const [dropped] = this.waiting.splice(index, 1);
      this.options.logger.error({ bootEvent: dropped?.event }, 'boot event outbox full: oldest event dropped');
    }
    this.waiting.push({ event, queuedAt: this.now() });
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
  }

  /** Resolves once every queued event was delivered or dropped (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Stops sending; what is still queued is lost with the process. */
  stop(): void {
    this.stopped.abort(new Error('boot event outbox stopped'));
  }

  private async drain(): Promise<void> {
    const { post, isRetryable, logger } = this.options;
    const sleep = this.options.sleep ?? abortableSleep;
    const backoff = this.options.backoff ?? { initialDelayMs: 1_000, maxDelayMs: 15_000 };
    const maxAgeMs = this.options.maxAgeMs ?? 60 * 60_000;
    let failures = 0;
    while (this.waiting.length > 0 && !this.stopped.signal.aborted) {
      const head = this.waiting[0]!;
      if (this.now() - head.queuedAt > maxAgeMs) {
        this.forget(head);
        logger.error({ bootEvent: head.event, attempts: failures }, 'boot event dropped undelivered: too old');
        failures = 0;
        continue;
      }
      this.inFlight = head;
      try {
        await post(head.event);
        if (failures > 0) logger.info({ bootEvent: head.event, attempts: failures + 1 }, 'boot event delivered');
        this.forget(head);
        failures = 0;
      } catch (err) {
        if (!isRetryable(err)) {
          this.forget(head);
          logger.warn({ err, bootEvent: head.event }, 'boot event refused by the API; dropped');
          failures = 0;
          continue;
        }
        failures += 1;
        if (failures === 1) logger.warn({ err, bootEvent: head.event }, 'boot event not delivered yet; retrying');
        await sleep(backoffDelay(backoff, failures), this.stopped.signal).catch(() => undefined);
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private forget(entry: Waiting<E>): void {
    const index = this.waiting.indexOf(entry);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}
