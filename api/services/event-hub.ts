import { eventIdFloor } from '../../db/event-repository.js';
import type { LifecycleEvent } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { EventTail, type EventSource } from './event-tail.js';

/** One live reader of the event log (an SSE connection). */
export interface EventSubscription {
  readonly orgId: string;
  /** Each new event of the organization, once, oldest first. */
  onEvent(event: LifecycleEvent): void;
  /** Every heartbeat interval: keep the connection alive, re-check the caller. */
  onHeartbeat(): void;
  /** The hub is stopping: end the connection. */
  onClose(): void;
}

/** Timing of the hub (from the API configuration). */
export interface EventHubOptions {
  pollMs: number;
  lookbackMs: number;
  heartbeatMs: number;
  pageSize?: number;
}

/**
 * One poller per API process, fanning out to every subscriber: N open streams cost one query per
 * tick (over the organizations that have subscribers), not N. It runs only while someone listens.
 */
export class EventHub {
  private readonly byOrg = new Map<string, Set<EventSubscription>>();
  private tail: EventTail | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: { events: EventSource; log: Logger; now: () => Date; options: EventHubOptions }) {}

  /** Number of open subscriptions (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.byOrg.values()) n += set.size;
    return n;
  }

  /** Adds a subscriber; returns how to remove it. Starts polling on the first one. */
  subscribe(subscription: EventSubscription): () => void {
    if (this.stopped) {
      subscription.onClose();
      return () => undefined;
    }
    let set = this.byOrg.get(subscription.orgId);
    if (!set) this.byOrg.set(subscription.orgId, (set = new Set()));
    set.add(subscription);
    if (!this.tail) this.begin();
    return () => this.remove(subscription);
  }

  /** Ends every subscription and stops polling; later subscriptions are closed at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.byOrg.values()].flatMap((set) => [...set]);
    this.byOrg.clear();
    this.end();
    for (const subscription of all) subscription.onClose();
    await this.polling;
  }

  private remove(subscription: EventSubscription): void {
    const set = this.byOrg.get(subscription.orgId);
    if (!set?.delete(subscription)) return;
    if (set.size === 0) this.byOrg.delete(subscription.orgId);
    if (this.byOrg.size === 0) this.end();
  }

  private begin(): void {
    const { options } = this.deps;
    this.tail = new EventTail(this.deps.events, eventIdFloor(this.deps.now().getTime()), {
      lookbackMs: options.lookbackMs,
      pageSize: options.pageSize ?? 500,
    });
    this.schedule();
    this.heartbeatTimer = setInterval(() => {
      for (const set of this.byOrg.values()) for (const subscription of [...set]) subscription.onHeartbeat();
    }, options.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private end(): void {
    clearTimeout(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = undefined;
    this.heartbeatTimer = undefined;
    this.tail = undefined;
  }

  private schedule(): void {
    const tail = this.tail;
    // A chain of timeouts, not an interval: a slow query never overlaps the next one. A chain
    // belongs to one tail: after a stop and a new first subscriber, the old chain ends.
    this.pollTimer = setTimeout(() => {
      this.polling = this.tick(tail).finally(() => {
        this.polling = undefined;
        if (tail && this.tail === tail) this.schedule();
      });
    }, this.deps.options.pollMs);
    this.pollTimer.unref();
  }

  private async tick(tail: EventTail | undefined): Promise<void> {
    if (!tail || tail !== this.tail || this.byOrg.size === 0) return;
    let events: LifecycleEvent[];
    try {
      events = await tail.poll([...this.byOrg.keys()]);
    } catch (err) {
      this.deps.log.warn({ err }, 'event stream poll failed; retrying');
      return;
    }
    for (const event of events) {
      for (const subscription of [...(this.byOrg.get(event.orgId) ?? [])]) {
        try {
          subscription.onEvent(event);
        } catch (err) {
          this.deps.log.warn({ err }, 'event subscriber failed');
        }
      }
    }
  }
}
