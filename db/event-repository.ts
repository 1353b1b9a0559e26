import { randomBytes } from 'node:crypto';
import { isDuplicateKeyError } from './duplicate-key.js';
import type { Collection, Db } from 'mongodb';
import type { EventType, LifecycleEvent, NewEvent } from '../shared/events.js';
import { createLogger, type Logger } from '../shared/logger.js';

/** Where the data layer records lifecycle events (EventRepository; tests may pass their own). */
export interface EventSink {
  /** Records one event. Never rejects: a failure to record is logged, the caller's change stands. */
  emit(event: NewEvent): Promise<void>;
}

/** An `events` document: the outbox every reader (SSE, webhooks) pages through by `_id`. */
export interface EventDoc {
  /** `evt_<13-digit ms><4 base36 counter><8 hex random>`: sorts by time, then by emission order in one process. */
  _id: string;
  type: EventType;
  orgId: string;
  at: Date;
  data: Record<string, unknown>;
  /** Unique: a second emission of the same fact (a retried activity, a replayed report) is refused. */
  key: string;
}

const ID_PREFIX = 'evt_';
const COUNTER_WIDTH = 4;
const COUNTER_LIMIT = 36 ** COUNTER_WIDTH;

/**
 * Makes event ids that sort by time. Within one process they are strictly increasing even when
 * the clock stands still or steps back: the millisecond never goes below the last one issued and a
 * counter orders ids of the same millisecond. Ids of different processes interleave by time only,
 * which is why readers page with a lookback window (see EventTail).
 */
export class EventIdGenerator {
  private lastMs = 0;
  private counter = 0;

  /** Returns the next id for an event happening at `ms` (epoch milliseconds). */
  next(ms: number): string {
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.counter = 0;
    } else if (++this.counter >= COUNTER_LIMIT) {
      this.lastMs += 1;
      this.counter = 0;
    }
    return `${eventIdFloor(this.lastMs)}${this.counter.toString(36).padStart(COUNTER_WIDTH, '0')}${this.random()}`;
  }

  private pool = Buffer.alloc(0);
  private offset = 0;

  /** 8 hex digits from a pooled buffer (one `randomBytes` call per 1,024 ids). */
  private random(): string {
    if (this.offset + 4 > this.pool.length) {
      this.pool = randomBytes(4096);
      this.offset = 0;
    }
    this.offset += 4;
    return this.pool.toString('hex', this.offset - 4, this.offset);
  }
}

/** The smallest id string of millisecond `ms`: every event id of that millisecond or later sorts after it. */
export function eventIdFloor(ms: number): string {
  return `${ID_PREFIX}${String(Math.max(0, Math.floor(ms))).padStart(13, '0')}`;
}

/** The millisecond an event id was issued in, or undefined when `id` is not an event id. */
export function eventIdTime(id: string): number | undefined {
  const match = /^evt_(\d{13})[0-9a-z]{4}[0-9a-f]{8}$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** True when `id` has the shape of an event id (for validating `Last-Event-ID` and `since`). */
export function isEventId(id: string): boolean {
  return eventIdTime(id) !== undefined;
}

/**
 * Pauses before the second and third attempt of an event insert. FerretDB over SQLite answers
 * `database is locked (SQLITE_BUSY)` when writers pile up (a 200-node run hits it), and an event
 * not retried is lost. The same `_id` is inserted every time, so a
 * retry of an insert that did land is refused as a duplicate: recorded once.
 */
const EMIT_RETRY_PAUSES_MS = [50, 250];

/** One generator per process, shared by every repository instance, so the counter really is per process. */
const processIds = new EventIdGenerator();
let fallbackLog: Logger | undefined;
/** Databases whose event indexes this process has ensured (or is ensuring). */
const indexed = new WeakMap<Db, Promise<void>>();

/** A new event id for an event at `at`, from this process's generator (ids of synthetic events, e.g. pings). */
export function newEventId(at: Date): string {
  return processIds.next(at.getTime());
}

/** The `events` collection: append-only log of lifecycle events, pruned after the retention period. */
export class EventRepository implements EventSink {
  readonly collection: Collection<EventDoc>;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    private readonly log?: Logger,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.collection = db.collection<EventDoc>('events');
  }

  /**
   * Creates the indexes. Should duplicate keys exist (events recorded by a worker before any API
   * created the unique index), the later duplicates are deleted first: they repeat a recorded fact.
   */
  async ensureIndexes(): Promise<void> {
    try {
      await this.collection.createIndex({ key: 1 }, { unique: true });
    } catch {
      // MongoDB says E11000, FerretDB a SQLite UNIQUE failure: whichever, remove duplicates and try once more.
      await this.dropDuplicateKeys();
      await this.collection.createIndex({ key: 1 }, { unique: true });
    }
    await this.collection.createIndex({ orgId: 1, _id: 1 });
    await this.collection.createIndex({ at: 1 });
  }

  async emit(event: NewEvent): Promise<void> {
    const at = this.now();
    const id = processIds.next(at.getTime());
    // Once per process and database: a process that never ran the API's ensureIndexes (the worker)
    // still gets the unique `key` index its deduplication relies on.
    let ready = indexed.get(this.db);
    if (!ready) {
      ready = this.ensureIndexes().catch((err: unknown) => {
        indexed.delete(this.db);
        this.warn(err, 'could not create the event indexes');
      });
      indexed.set(this.db, ready);
    }
    await ready;
    const doc: EventDoc = {
      _id: id,
      type: event.type,
      orgId: event.orgId,
      at,
      data: event.data as unknown as Record<string, unknown>,
      key: event.key ?? id,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.collection.insertOne(doc);
        return;
      } catch (err) {
        // A duplicate `key` is the same fact emitted twice (e.g. a retried activity): already recorded.
        if (isDuplicateKeyError(err)) return;
        const pause = EMIT_RETRY_PAUSES_MS[attempt];
        if (pause === undefined) {
          this.warn(err, `could not record a lifecycle event (${event.type}) in ${attempt + 1} attempts`);
          return;
        }
        await this.pause(pause);
      }
    }
  }

  private warn(err: unknown, message: string): void {
    (this.log ?? (fallbackLog ??= createLogger('events'))).warn({ err }, message);
  }

  private async dropDuplicateKeys(): Promise<void> {
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for await (const doc of this.collection.find({}, { projection: { key: 1 } }).sort({ _id: 1 })) {
      if (seen.has(doc.key)) duplicates.push(doc._id);
      else seen.add(doc.key);
    }
    if (duplicates.length) await this.collection.deleteMany({ _id: { $in: duplicates } });
  }

  /**
   * Events with an id above `afterId`, oldest first, at most `limit`; only of `orgIds` when given,
   * and only ids up to `untilId` (inclusive) when given.
   */
  async after(
    afterId: string,
    options: { limit: number; orgIds?: readonly string[]; untilId?: string },
  ): Promise<LifecycleEvent[]> {
    const idRange: Record<string, string> = { $gt: afterId };
    if (options.untilId !== undefined) idRange.$lte = options.untilId;
    const query: Record<string, unknown> = { _id: idRange };
    if (options.orgIds) query.orgId = options.orgIds.length === 1 ? options.orgIds[0] : { $in: [...options.orgIds] };
    const docs = await this.collection.find(query).sort({ _id: 1 }).limit(options.limit).toArray();
    return docs.map(toEvent);
  }

  /** Deletes events recorded before `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    const result = await this.collection.deleteMany({ at: { $lt: before } });
    return result.deletedCount;
  }
}

/** Records `event` on `sink`, never throwing: the change that caused it has already happened. */
export async function emitSafely(sink: EventSink | undefined, event: NewEvent): Promise<void> {
  if (!sink) return;
  try {
    await sink.emit(event);
  } catch (err) {
    (fallbackLog ??= createLogger('events')).warn({ err, type: event.type }, 'event sink failed');
  }
}

function toEvent(doc: EventDoc): LifecycleEvent {
  return { id: doc._id, type: doc.type, orgId: doc.orgId, at: doc.at, data: doc.data } as LifecycleEvent;
}
