import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { findScoped } from './find-scoped.js';
import { findPage, type Page, type PageRequest } from './page.js';

/** A `webhooks` document: one destination of an organization's lifecycle events. */
export interface WebhookDoc {
  /** `whk_` and 16 hex digits. */
  _id: string;
  orgId: string;
  /** Normalised by the egress guard when saved. */
  url: string;
  /** Event type patterns (`*`, `asset.*`, `workflow.step_finished`). */
  events: string[];
  description?: string;
  enabled: boolean;
  /** The signing secret, sealed with the SecretBox under `webhookSecretContext(id)`. Never leaves the process. */
  secretSealed: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A new webhook id. */
export function newWebhookId(): string {
  return `whk_${randomBytes(8).toString('hex')}`;
}

/** Data access for webhooks; every read by id is scoped by organization. */
export class WebhookRepository {
  readonly collection: Collection<WebhookDoc>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookDoc>('webhooks');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, createdAt: -1 });
    await this.collection.createIndex({ orgId: 1, enabled: 1 });
  }

  async insert(doc: WebhookDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  findInOrg(orgId: string, id: string): Promise<WebhookDoc | null> {
    return findScoped(this.collection, id, { orgId });
  }

  /** A webhook by id alone (the dispatcher, which works across organizations). */
  get(id: string): Promise<WebhookDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  list(orgId: string, page: PageRequest): Promise<Page<WebhookDoc>> {
    return findPage(this.collection, { orgId }, page);
  }

  /** Applies `set` to the organization's webhook; returns it as updated, or null when there is none. */
  update(orgId: string, id: string, set: Partial<WebhookDoc>, unset: (keyof WebhookDoc)[] = []) {
    const update: Record<string, unknown> = { $set: set };
    if (unset.length) update.$unset = Object.fromEntries(unset.map((k) => [k, '']));
    return this.collection.findOneAndUpdate({ _id: id, orgId }, update, { returnDocument: 'after' });
  }

  /** Deletes the organization's webhook; false when there was none. */
  async delete(orgId: string, id: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: id, orgId })).deletedCount === 1;
  }

  /** Whether any organization has an enabled webhook (one small query: the fan-out asks every round). */
  async anyEnabled(): Promise<boolean> {
    return (await this.collection.findOne({ enabled: true }, { projection: { _id: 1 } })) !== null;
  }

  /** The enabled webhooks of these organizations (fan-out reads them once per batch of events). */
  enabledIn(orgIds: readonly string[]): Promise<WebhookDoc[]> {
    return this.collection.find({ orgId: { $in: [...orgIds] }, enabled: true }).toArray();
  }
}
