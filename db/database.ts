import { MongoClient, type Db } from 'mongodb';

/** The database handle passed to repositories. Re-exported so nothing outside `db/` imports `mongodb`. */
export type Database = Db;

/** An open connection and how to close it. */
export interface DatabaseConnection {
  db: Database;
  close(): Promise<void>;
}

/**
 * Connects to MongoDB (or FerretDB). Throws when no server answers within `serverSelectionTimeoutMs`.
 * `appName` names the process in the server's logs and `currentOp`.
 */
export async function connectDatabase(
  uri: string,
  dbName: string,
  options: { appName?: string; serverSelectionTimeoutMs?: number } = {},
): Promise<DatabaseConnection> {
  const client = await MongoClient.connect(uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
    appName: options.appName ?? 'rackpilot-api',
  });
  return { db: client.db(dbName), close: () => client.close() };
}

/** A handle that connects on its first command: nothing is sent to `uri` until a repository is used. */
export function lazyDatabase(uri: string, dbName: string): DatabaseConnection {
  const client = new MongoClient(uri, { appName: 'rackpilot-api' });
  return { db: client.db(dbName), close: () => client.close() };
}

/** Returns within `timeoutMs` whether the database answers a ping. */
export async function pingDatabase(db: Database, timeoutMs: number): Promise<void> {
  await db.command({ ping: 1 }, { timeoutMS: timeoutMs });
}
