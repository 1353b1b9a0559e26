import type { Collection } from 'mongodb';
import type { Database } from './database.js';

/** An organization: the tenant every resource belongs to. */
export interface Organization {
  id: string;
  name: string;
  createdAt: Date;
}

interface OrganizationDocument {
  _id: string;
  name: string;
  createdAt: Date;
}

/** Stores organizations (`organizations` collection). */
export class OrganizationRepository {
  private readonly collection: Collection<OrganizationDocument>;

  constructor(db: Database) {
    this.collection = db.collection<OrganizationDocument>('organizations');
  }

  /** Inserts a new organization. */
  async insert(org: Organization): Promise<void> {
    await this.collection.insertOne({ _id: org.id, name: org.name, createdAt: org.createdAt });
  }

  /** Returns the organization, or undefined. */
  async findById(id: string): Promise<Organization | undefined> {
    const doc = await this.collection.findOne({ _id: id });
    return doc ? { id: doc._id, name: doc.name, createdAt: doc.createdAt } : undefined;
  }
}
