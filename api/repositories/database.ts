import { MongoClient, type Db } from 'mongodb';

/** The database handle passed to repositories. Re-exported so nothing outside repositories imports `mongodb`. */
export type Database = Db;

/** An open connection and how to close it. */
export interface DatabaseConnection {
  db: Database;
  close(): Promise<void>;
}

/** Connects to MongoDB (or FerretDB). Throws when the server cannot be reached within the driver's timeout. */
export async function connectDatabase(uri: string, dbName: string): Promise<DatabaseConnection> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000, appName: 'rackpilot-api' });
  return { db: client.db(dbName), close: () => client.close() };
}

/** Returns within `timeoutMs` whether the database answers a ping. */
export async function pingDatabase(db: Database, timeoutMs: number): Promise<void> {
  await db.command({ ping: 1 }, { timeoutMS: timeoutMs });
}

/** One page to read: validated by the route's list parameters. */
export interface PageRequest {
  skip: number;
  limit: number;
  sort: readonly { field: string; direction: 1 | -1 }[];
}

/** Turns `-createdAt,name` style sort specs (already validated) into a MongoDB sort with a stable tie-breaker. */
export function toMongoSort(
  sort: readonly { field: string; direction: 1 | -1 }[],
  idField = '_id',
): Record<string, 1 | -1> {
  const out: Record<string, 1 | -1> = {};
  for (const { field, direction } of sort) out[field === 'id' ? idField : field] = direction;
  if (!(idField in out)) out[idField] = 1;
  return out;
}
