import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';
import { claimOnce, claimsCollection, type ClaimDoc } from './claim-once.js';
import type { EventType, PING_EVENT_TYPE } from '../shared/events.js';
import { findPage, type Page, type PageRequest } from './page.js';

/** Where a delivery stands. */
export type DeliveryState =
  /** Waiting for its next attempt (`nextAttemptAt`). */
  | 'pending'
  /** A receiver answered 2xx. */
  | 'delivered'
  /** Gave up: attempts exhausted, destination refused, or the webhook was disabled. */
  | 'failed';

/** One HTTP attempt of a delivery. */
export interface DeliveryAttempt {
  number: number;
  at: Date;
  durationMs: number;
  /** HTTP status answered, when the receiver answered at all. */
  status?: number;
  /** Why it did not succeed (connection refused, timeout, non-2xx, destination refused). */
  error?: string;
}

/** The event a delivery carries (a copy: the event log is pruned, the delivery log says what was sent). */
export interface DeliveredEvent {
  id: string;
  type: EventType | typeof PING_EVENT_TYPE;
  orgId: string;
  at: Date;
  data: Record<string, unknown>;
}

/** A `webhook_deliveries` document: one event to one webhook, with every attempt. */
export interface WebhookDeliveryDoc {
  /** `<webhookId>:<eventId>`: however many API processes fan an event out, there is one delivery. */
  _id: string;
  webhookId: string;
  orgId: string;
  event: DeliveredEvent;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  attemptCount: number;
  nextAttemptAt?: Date;
  deliveredAt?: Date;
  /** Why a delivery ended without (more) attempts. */
  abandonedReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The id of the delivery of `eventId` to `webhookId`. */
export function deliveryId(webhookId: string, eventId: string): string {
  return `${webhookId}:${eventId}`;
}

/** Data access for webhook deliveries, their attempt claims and the fan-out cursor. */
export class WebhookDeliveryRepository {
  readonly collection: Collection<WebhookDeliveryDoc>;
  private readonly claims: Collection<ClaimDoc>;
  private readonly cursors: Collection<{ _id: string; position: string; updatedAt: Date }>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<WebhookDeliveryDoc>('webhook_deliveries');
    this.claims = claimsCollection(db, 'webhook_attempt_claims');
    this.cursors = db.collection('webhook_cursors');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ state: 1, nextAttemptAt: 1 });
    await this.collection.createIndex({ webhookId: 1, createdAt: -1 });
    await this.collection.createIndex({ updatedAt: 1 });
    await this.claims.createIndex({ at: 1 });
  }

  /** Inserts deliveries; ones that already exist (another process fanned the event out first) are skipped. */
  async insertNew(docs: WebhookDeliveryDoc[]): Promise<number> {
    if (docs.length === 0) return 0;
    try {
      return (await this.collection.insertMany(docs, { ordered: false })).insertedCount;
    } catch (err) {
      const e = err as { code?: number; writeErrors?: { code?: number }[] | { code?: number }; insertedCount?: number };
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      const onlyDuplicates = writeErrors.length > 0 ? writeErrors.every((w) => w.code === 11000) : e.code === 11000;
      if (!onlyDuplicates) throw err;
      return e.insertedCount ?? 0;
    }
  }

  /** Pending deliveries whose next attempt is due, oldest first. */
  due(limit: number): Promise<WebhookDeliveryDoc[]> {
    return this.collection
      .find({ state: 'pending', nextAttemptAt: { $lte: this.now() } })
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .toArray();
  }

  /** Claims attempt `number` of a delivery for this process; true for exactly one claimant (claim-once). */
  claimAttempt(id: string, number: number, owner: string): Promise<boolean> {
    return claimOnce(this.claims, `${id}/${number}`, owner, undefined, this.now);
  }

  /** Claims the recovery of attempt `number` whose claimant vanished (one recoverer wins). */
  claimRecovery(id: string, number: number, owner: string): Promise<boolean> {
    return claimOnce(this.claims, `${id}/${number}/recovered`, owner, undefined, this.now);
  }

  /** When attempt `number` of a delivery was claimed, if it was. */
  async claimedAt(id: string, number: number): Promise<Date | undefined> {
    return (await this.claims.findOne({ _id: `${id}/${number}` }))?.at;
  }

  /**
   * Records attempt `attempt.number` and what follows it. Guarded by the previous attempt count, so
   * only the claimant of this attempt can record it; returns false when the delivery is gone or moved on.
   */
  async recordAttempt(
    id: string,
    attempt: DeliveryAttempt,
    next: { state: DeliveryState; nextAttemptAt?: Date },
  ): Promise<boolean> {
    const at = this.now();
    const set: Record<string, unknown> = { state: next.state, attemptCount: attempt.number, updatedAt: at };
    if (next.nextAttemptAt) set.nextAttemptAt = next.nextAttemptAt;
    if (next.state === 'delivered') set.deliveredAt = at;
    const update: Record<string, unknown> = { $set: set, $push: { attempts: attempt } };
    if (!next.nextAttemptAt) update.$unset = { nextAttemptAt: '' };
    const result = await this.collection.updateOne({ _id: id, attemptCount: attempt.number - 1 }, update);
    return result.modifiedCount === 1;
  }

  /** Ends a pending delivery without an attempt (its webhook was disabled or deleted). */
  async abandon(id: string, reason: string): Promise<void> {
    await this.collection.updateOne(
      { _id: id, state: 'pending' },
      { $set: { state: 'failed', updatedAt: this.now(), abandonedReason: reason }, $unset: { nextAttemptAt: '' } },
    );
  }

  /** One webhook's deliveries, newest first, optionally in one state. */
  list(orgId: string, webhookId: string, page: PageRequest, state?: DeliveryState): Promise<Page<WebhookDeliveryDoc>> {
    return findPage(this.collection, { orgId, webhookId, ...(state ? { state } : {}) }, page);
  }

  async get(id: string): Promise<WebhookDeliveryDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  async deleteForWebhook(webhookId: string): Promise<void> {
    await this.collection.deleteMany({ webhookId });
  }

  /** Deletes finished deliveries and attempt claims older than `before`; returns how many deliveries. */
  async prune(before: Date): Promise<number> {
    const { deletedCount } = await this.collection.deleteMany({
      state: { $ne: 'pending' },
      updatedAt: { $lt: before },
    });
    await this.claims.deleteMany({ at: { $lt: before } });
    return deletedCount;
  }

  /** The fan-out position shared by every API process (the highest event id fanned out). */
  async cursor(name: string): Promise<string | undefined> {
    return (await this.cursors.findOne({ _id: name }))?.position;
  }

  /** Moves the shared position forward (never back: a slower process cannot rewind it). */
  async advanceCursor(name: string, position: string): Promise<void> {
    try {
      await this.cursors.updateOne(
        { _id: name, position: { $lt: position } },
        { $set: { position, updatedAt: this.now() } },
        { upsert: true },
      );
    } catch (err) {
      // The upsert of a cursor already past `position` collides with it: nothing to do.
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}
