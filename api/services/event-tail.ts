import { eventIdFloor } from '../../db/event-repository.js';
import type { LifecycleEvent } from '../../shared/events.js';

/** What a tail reads from (EventRepository). */
export interface EventSource {
  after(afterId: string, options: { limit: number; orgIds?: readonly string[] }): Promise<LifecycleEvent[]>;
}

/** The millisecond encoded in an event id or an id floor (`evt_<13 digits>…`). */
export function idMs(id: string): number {
  return Number(id.slice(4, 17));
}

/**
 * Follows the event log, returning each event once. Ids from different processes can be inserted
 * slightly out of order (an id is taken before its insert lands), so every poll re-reads the last
 * `lookbackMs` of ids and drops what it already returned. An event inserted more than `lookbackMs`
 * after its id was taken is missed by a live tail (readers that resume by id still see it).
 */
export class EventTail {
  private cursor: string;
  private readonly floor: string;
  private readonly seen = new Map<string, number>();

  /** Starts after `start` (an event id or `eventIdFloor(ms)`); never returns anything at or below it. */
  constructor(
    private readonly source: EventSource,
    start: string,
    private readonly options: { lookbackMs: number; pageSize: number; maxPages?: number },
  ) {
    this.cursor = start;
    this.floor = start;
  }

  /** The highest id returned so far (or the start). */
  get position(): string {
    return this.cursor;
  }

  /**
   * Moves on to `position` (an event id or `eventIdFloor(ms)`) without reading what lies before it,
   * for a reader that knows nothing there concerns it. The next poll still re-reads the lookback
   * window before it, so events whose insert lands late are not skipped.
   */
  skipTo(position: string): void {
    if (position > this.cursor) this.cursor = position;
  }

  /**
   * Takes back events a caller could not process: while they are inside the lookback window the
   * next poll returns them again.
   */
  forget(events: readonly LifecycleEvent[]): void {
    for (const event of events) this.seen.delete(event.id);
  }

  /** Returns the events not returned before, oldest first; only of `orgIds` when given. */
  async poll(orgIds?: readonly string[]): Promise<LifecycleEvent[]> {
    const lookback = eventIdFloor(idMs(this.cursor) - this.options.lookbackMs);
    let from = lookback > this.floor ? lookback : this.floor;
    const fresh: LifecycleEvent[] = [];
    const maxPages = this.options.maxPages ?? 20;
    for (let page = 0; page < maxPages; page++) {
      const batch = await this.source.after(from, { limit: this.options.pageSize, ...(orgIds ? { orgIds } : {}) });
      for (const event of batch) {
        if (this.seen.has(event.id)) continue;
        this.seen.set(event.id, idMs(event.id));
        fresh.push(event);
        if (event.id > this.cursor) this.cursor = event.id;
      }
      const last = batch.at(-1);
      if (!last || batch.length < this.options.pageSize) break;
      from = last.id;
    }
    // Ids below the next lookback window can never be read again: forget them.
    const oldest = idMs(this.cursor) - this.options.lookbackMs;
    for (const [id, ms] of this.seen) if (ms < oldest) this.seen.delete(id);
    return fresh.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
