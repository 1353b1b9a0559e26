import type { Collection, Filter } from 'mongodb';
import type { Role } from '../shared/api-types.js';
import type { Database } from './database.js';
import { findPage, type PageRequest } from './page.js';

/** How a mutating request ended. */
export type AuditResult = 'success' | 'failure' | 'denied';

/** One row of the audit log: who did what to which target, with what result. */
export interface AuditEntry {
  id: string;
  orgId: string;
  keyId: string;
  role: Role;
  /** Stable verb, e.g. `api_key.create`. */
  action: string;
  target: { type: string; id: string | null };
  result: AuditResult;
  status: number;
  requestId: string;
  method: string;
  path: string;
  at: Date;
}

type AuditDocument = Omit<AuditEntry, 'id'> & { _id: string };

/** Filters of the audit listing. */
export interface AuditListFilter {
  action?: string;
  keyId?: string;
  result?: AuditResult;
  targetId?: string;
  since?: Date;
  until?: Date;
}

const toEntry = ({ _id, ...rest }: AuditDocument): AuditEntry => ({ id: _id, ...rest });

/** Stores the append-only `audit_log` collection. */
export class AuditRepository {
  private readonly collection: Collection<AuditDocument>;

  constructor(db: Database) {
    this.collection = db.collection<AuditDocument>('audit_log');
  }

  /** Creates the indexes the listing needs. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, at: -1 });
    await this.collection.createIndex({ orgId: 1, action: 1, at: -1 });
  }

  /** Appends one entry. */
  async insert(entry: AuditEntry): Promise<void> {
    const { id, ...rest } = entry;
    await this.collection.insertOne({ _id: id, ...rest });
  }

  /** One page of the organization's entries and the total matching the filter. */
  async list(
    orgId: string,
    filter: AuditListFilter,
    page: PageRequest,
  ): Promise<{ items: AuditEntry[]; total: number }> {
    const query: Filter<AuditDocument> = { orgId };
    if (filter.action) query.action = filter.action;
    if (filter.keyId) query.keyId = filter.keyId;
    if (filter.result) query.result = filter.result;
    if (filter.targetId) query['target.id'] = filter.targetId;
    if (filter.since || filter.until) {
      query.at = { ...(filter.since ? { $gte: filter.since } : {}), ...(filter.until ? { $lt: filter.until } : {}) };
    }
    const { items, total } = await findPage(this.collection, query, page);
    return { items: items.map(toEntry), total };
  }
}
