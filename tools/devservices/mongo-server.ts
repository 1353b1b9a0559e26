import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from './free-port.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './managed-process.js';

/** A running MongoDB-protocol server on loopback (mongod, or FerretDB over SQLite). */
export interface MongoServer {
  readonly uri: string;
  readonly kind: 'mongod' | 'ferretdb';
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Resolves once `uri` answers `ping`. */
export async function probeMongo(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

/** FerretDB over SQLite files in `dataDir`, on loopback `port`: never phoning home, no debug listener. */
export function ferretDbArgs(port: number, dataDir: string): string[] {
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    // FerretDB must never phone home, and its debug HTTP listener is not needed.
    '--telemetry=disable',
    '--debug-addr=-',
    `--state-dir=${dataDir}`,
    '--log-level=WARN',
  ];
}

function argsFor(kind: MongoServer['kind'], port: number, dataDir: string): string[] {
  if (kind === 'mongod') {
    return ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'];
  }
  return ferretDbArgs(port, dataDir);
}

/** Starts `binary` (mongod or ferretdb, chosen by its name) on a free loopback port. */
export async function startMongoServer(binary: string, dataDir: string): Promise<MongoServer> {
  const kind: MongoServer['kind'] = basename(binary).startsWith('mongod') ? 'mongod' : 'ferretdb';
  const storeDir = join(dataDir, kind);
  mkdirSync(storeDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = startProcess(kind, binary, argsFor(kind, port, storeDir), { logFile: join(dataDir, `${kind}.log`) });
    const uri = `mongodb://127.0.0.1:${port}/`;
    try {
      await waitUntilReady(proc, () => probeMongo(uri), 30_000);
      return { uri, kind, process: proc, stop: () => proc.stop() };
    } catch (err) {
      await proc.stop();
      if (attempt >= 3) throw err;
    }
  }
}
