import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

/** A claim document: its `_id` names the thing claimed; the unique `_id` index makes one writer win. */
export interface ClaimDoc {
  _id: string;
  owner: string;
  intent?: Record<string, unknown>;
  at: Date;
}

/**
 * Claims `key` for `owner` exactly once across every process. Returns true for the single winner.
 *
 * Why not just a guarded `findOneAndUpdate`: FerretDB 1.x over SQLite (our dev/test database)
 * applies such updates as read-modify-write without isolation: concurrent guarded claims of
 * one document can have several winners (api/README.md). An insert that violates a unique index
 * is refused atomically on every MongoDB-protocol server, so the insert decides the winner and
 * the guarded update that follows only ever runs once per (resource, version).
 */
export async function claimOnce(
  claims: Collection<ClaimDoc>,
  key: string,
  owner: string,
  intent?: Record<string, unknown>,
  now: () => Date = () => new Date(),
): Promise<boolean> {
  try {
    await claims.insertOne({ _id: key, owner, ...(intent ? { intent } : {}), at: now() });
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

/** The collection of claims of one kind (`asset_transitions`, `job_claims`). */
export function claimsCollection(db: Db, name: string): Collection<ClaimDoc> {
  return db.collection<ClaimDoc>(name);
}
