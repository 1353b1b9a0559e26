import type { Collection, Filter } from 'mongodb';
import type { Role } from '../shared/api-types.js';
import type { Database } from './database.js';
import { findPage, type PageRequest } from './page.js';
import { findScoped } from './find-scoped.js';

/** An API key as stored: never the secret, only its SHA-256. */
export interface ApiKeyRecord {
  id: string;
  orgId: string;
  name: string;
  role: Role;
  siteId: string | null;
  secretHash: string;
  secretLast4: string;
  /** After a rotation: the hash of the previous secret, accepted until `previousSecretExpiresAt`. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

type ApiKeyDocument = Omit<ApiKeyRecord, 'id'> & { _id: string };

/** Filters of the API-key listing. */
export interface ApiKeyListFilter {
  role?: Role;
  revoked?: boolean;
}

const toRecord = ({ _id, ...rest }: ApiKeyDocument): ApiKeyRecord => ({ id: _id, ...rest });

/** Stores API keys (`api_keys` collection). Every method but `findById` is scoped by organization. */
export class ApiKeyRepository {
  private readonly collection: Collection<ApiKeyDocument>;

  constructor(db: Database) {
    this.collection = db.collection<ApiKeyDocument>('api_keys');
  }

  /** Creates the indexes the queries below need. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, createdAt: -1 });
    await this.collection.createIndex({ orgId: 1, role: 1, revokedAt: 1 });
  }

  /** Inserts a new key. */
  async insert(record: ApiKeyRecord): Promise<void> {
    const { id, ...rest } = record;
    await this.collection.insertOne({ _id: id, ...rest });
  }

  /** Looks a key up by id across organizations: only authentication may do this. */
  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const doc = await this.collection.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  /** Returns the key of this organization, or undefined (also when it belongs to another one). */
  async findInOrg(orgId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const doc = await findScoped(this.collection, id, { orgId });
    return doc ? toRecord(doc) : undefined;
  }

  /** One page of the organization's keys and the total matching the filter. */
  async list(
    orgId: string,
    filter: ApiKeyListFilter,
    page: PageRequest,
  ): Promise<{ items: ApiKeyRecord[]; total: number }> {
    const query: Filter<ApiKeyDocument> = { orgId };
    if (filter.role) query.role = filter.role;
    if (filter.revoked !== undefined) query.revokedAt = filter.revoked ? { $ne: null } : null;
    const { items, total } = await findPage(this.collection, query, page);
    return { items: items.map(toRecord), total };
  }

  /** Marks an active key revoked; returns the updated key, or undefined when absent or already revoked. */
  async revoke(orgId: string, id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: id, orgId, revokedAt: null },
      { $set: { revokedAt: at, previousSecretHash: null, previousSecretExpiresAt: null } },
      { returnDocument: 'after' },
    );
    return doc ? toRecord(doc) : undefined;
  }

  /**
   * Replaces an active key's secret; the current hash becomes the previous one until `graceUntil`.
   * Returns the updated key, or undefined when absent or revoked.
   */
  async rotate(
    orgId: string,
    current: ApiKeyRecord,
    next: { secretHash: string; secretLast4: string; at: Date; graceUntil: Date },
  ): Promise<ApiKeyRecord | undefined> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: current.id, orgId, revokedAt: null, secretHash: current.secretHash },
      {
        $set: {
          secretHash: next.secretHash,
          secretLast4: next.secretLast4,
          previousSecretHash: current.secretHash,
          previousSecretExpiresAt: next.graceUntil,
          rotatedAt: next.at,
        },
      },
      { returnDocument: 'after' },
    );
    return doc ? toRecord(doc) : undefined;
  }

  /** Records a use (callers throttle this). `$max` keeps the latest time when processes race. */
  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $max: { lastUsedAt: at } });
  }

  /** Number of active admin keys of an organization. */
  async countActiveAdmins(orgId: string): Promise<number> {
    return this.collection.countDocuments({ orgId, role: 'admin', revokedAt: null });
  }

  /** True when any organization has an active admin key (bootstrap refuses to run again). */
  async anyActiveAdmin(): Promise<boolean> {
    return (await this.collection.findOne({ role: 'admin', revokedAt: null }, { projection: { _id: 1 } })) !== null;
  }
}
