import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';
import type { Database } from './database.js';

/**
 * One fixed-window counter document per key and clock hour, holding the hour's count and one
 * count per minute of that hour: `{ _id: "<keyId>:<hourStartMs>", hour: n, m: { "<minute>": n }, expiresAt }`.
 * A single atomic `$inc` upsert therefore updates both windows in one round trip.
 */
interface RateLimitDocument {
  _id: string;
  hour: number;
  m: Record<string, number>;
  expiresAt: Date;
}

/** Counts after an increment. */
export interface WindowCounts {
  hour: number;
  minute: number;
}

/** Stores rate-limit windows (`rate_limits` collection) shared by every API process. */
export class RateLimitRepository {
  private readonly collection: Collection<RateLimitDocument>;

  constructor(db: Database) {
    this.collection = db.collection<RateLimitDocument>('rate_limits');
  }

  /**
   * Creates the TTL index that lets MongoDB drop past windows. FerretDB 1.x refuses TTL options
   * ("not implemented yet"); `deleteExpired` covers that case. Returns whether the TTL index exists.
   */
  async ensureIndexes(): Promise<boolean> {
    try {
      await this.collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      return true;
    } catch {
      await this.collection.createIndex({ expiresAt: 1 });
      return false;
    }
  }

  /** Adds `n` to the hour and to one minute of it; returns the counts after the increment. */
  async increment(keyId: string, hourStart: Date, minute: number, n: number, expiresAt: Date): Promise<WindowCounts> {
    const run = () =>
      this.collection.findOneAndUpdate(
        { _id: `${keyId}:${hourStart.getTime()}` },
        { $inc: { hour: n, [`m.${minute}`]: n }, $setOnInsert: { expiresAt } },
        { upsert: true, returnDocument: 'after' },
      );
    // Two first requests of a window may race to insert; the loser's retry is a plain update.
    const doc = await run().catch((err: unknown) => {
      if (isDuplicateKeyError(err)) return run();
      throw err;
    });
    if (!doc) throw new Error('rate-limit upsert returned no document');
    return { hour: doc.hour, minute: doc.m[String(minute)] ?? 0 };
  }

  /** Returns unused reserved requests to an hour window (best effort). */
  async giveBack(keyId: string, hourStart: Date, n: number): Promise<void> {
    await this.collection.updateOne({ _id: `${keyId}:${hourStart.getTime()}` }, { $inc: { hour: -n } });
  }

  /** Deletes windows past their expiry; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.collection.deleteMany({ expiresAt: { $lt: now } });
    return result.deletedCount;
  }
}
