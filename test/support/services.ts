import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { inject } from 'vitest';

/** Connection string of the run's MongoDB-protocol server. */
export const mongoUri = (): string => inject('mongoUri');

/** gRPC address of the run's Temporal server. */
export const temporalAddress = (): string => inject('temporalAddress');

/** A unique name, so test files sharing one server never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Connects to a fresh database of its own; `close()` drops it. */
export async function freshDatabase(prefix = 'test'): Promise<{ client: MongoClient; db: Db; close(): Promise<void> }> {
  const client = await MongoClient.connect(mongoUri());
  const db = client.db(uniqueName(prefix));
  return {
    client,
    db,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
