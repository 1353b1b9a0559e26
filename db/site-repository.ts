import type { Collection, Db } from 'mongodb';
import { claimOnce, claimsCollection, type ClaimDoc } from './claim-once.js';
import { findPage, type Page, type PageRequest } from './page.js';
import { findScoped } from './find-scoped.js';

/** What the site's agent last reported about itself (heartbeat). */
export interface SiteAgent {
  /** Id of the agent's API key (issued at registration). */
  id: string;
  name: string;
  version: string;
  capabilities: string[];
  bootServerUrl?: string;
  runningJobs?: number;
  registeredAt: Date;
  lastSeenAt: Date;
}

/** A `sites` document: one datacenter (or room) served by one agent. */
export interface SiteDoc {
  _id: string;
  orgId: string;
  name: string;
  description?: string;
  /** SHA-256 (hex) of the one-time enrollment token; null once used. */
  enrollmentTokenHash: string | null;
  agent?: SiteAgent;
  createdAt: Date;
  updatedAt: Date;
}

export interface SiteListFilter {
  name?: string | undefined;
}

/** Data access for sites. */
export class SiteRepository {
  readonly collection: Collection<SiteDoc>;
  private readonly enrollments: Collection<ClaimDoc>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<SiteDoc>('sites');
    this.enrollments = claimsCollection(db, 'site_enrollments');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, name: 1 }, { unique: true });
    await this.collection.createIndex({ enrollmentTokenHash: 1 });
  }

  async insert(doc: SiteDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  findInOrg(orgId: string, id: string): Promise<SiteDoc | null> {
    return findScoped(this.collection, id, { orgId });
  }

  list(orgId: string, filter: SiteListFilter, page: PageRequest): Promise<Page<SiteDoc>> {
    return findPage(this.collection, { orgId, ...(filter.name !== undefined ? { name: filter.name } : {}) }, page);
  }

  /** Sets fields; returns the updated site or null when absent. */
  update(orgId: string, id: string, set: Partial<Pick<SiteDoc, 'name' | 'description'>>): Promise<SiteDoc | null> {
    return this.collection.findOneAndUpdate(
      { _id: id, orgId },
      { $set: { ...set, updatedAt: this.now() } },
      { returnDocument: 'after' },
    );
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: id, orgId })).deletedCount === 1;
  }

  /**
   * Consumes the enrollment token with this hash exactly once (even on FerretDB: the claim insert
   * decides). Returns the site for the single winner, null otherwise.
   */
  async consumeEnrollment(tokenHash: string, owner: string): Promise<SiteDoc | null> {
    const site = await this.collection.findOne({ enrollmentTokenHash: tokenHash });
    if (!site) return null;
    if (!(await claimOnce(this.enrollments, `enroll:${tokenHash}`, owner, { siteId: site._id }, this.now))) return null;
    await this.collection.updateOne({ _id: site._id }, { $set: { enrollmentTokenHash: null, updatedAt: this.now() } });
    return site;
  }

  /** Records the agent's registration or heartbeat. */
  async recordAgent(siteId: string, agent: SiteAgent): Promise<void> {
    await this.collection.updateOne({ _id: siteId }, { $set: { agent } });
  }

  findById(id: string): Promise<SiteDoc | null> {
    return this.collection.findOne({ _id: id });
  }
}
