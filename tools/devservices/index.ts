import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findServerBinary } from './find-binary.js';
import { buildFerretDb, buildTemporal } from './go-build.js';
import { probeMongo, startMongoServer } from './mongo-server.js';
import { probeTemporal, startTemporalServer } from './temporal-server.js';

export { probeMongo, probeTemporal };

/** The servers a test run or `npm start` talks to, and how to stop the ones we started. */
export interface DevServices {
  readonly mongoUri: string;
  readonly temporalAddress: string;
  /** Human summary: where each listens and whether it is ours or the user's. */
  readonly description: string[];
  stop(): Promise<void>;
}

export interface DevServicesOptions {
  /** Where server data and logs go; a fresh temp dir when omitted (removed on stop). */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  say?: (line: string) => void;
}

/**
 * Gives a real Temporal server and a real MongoDB-protocol server on loopback:
 * `TEMPORAL_ADDRESS` / `MONGODB_URI` when set (the user's own servers, left alone on stop);
 * else a `temporal` / `mongod` binary on PATH; else our cached Go builds (built on first use).
 */
export async function startDevServices(options: DevServicesOptions = {}): Promise<DevServices> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((line: string) => console.log(line));
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rackpilot-dev-'));
  const stops: (() => Promise<void>)[] = [];
  const description: string[] = [];
  try {
    let mongoUri = env.MONGODB_URI;
    if (mongoUri) {
      await probeMongo(mongoUri);
      description.push(`MongoDB: ${redactUri(mongoUri)} (MONGODB_URI)`);
    } else {
      const binary = findServerBinary('mongod', env) ?? (await buildFerretDb(say));
      const server = await startMongoServer(binary, dataDir);
      stops.push(() => server.stop());
      mongoUri = server.uri;
      description.push(
        `MongoDB protocol: ${server.uri} (${server.kind}, pid ${server.process.pid}, log ${server.process.logFile})`,
      );
    }
    let temporalAddress = env.TEMPORAL_ADDRESS;
    if (temporalAddress) {
      await probeTemporal(temporalAddress);
      description.push(`Temporal: ${temporalAddress} (TEMPORAL_ADDRESS)`);
    } else {
      const binary = findServerBinary('temporal', env) ?? (await buildTemporal(say));
      const server = await startTemporalServer(binary, dataDir);
      stops.push(() => server.stop());
      temporalAddress = server.address;
      description.push(
        `Temporal: ${server.address} (dev server, pid ${server.process.pid}, log ${server.process.logFile})`,
      );
    }
    return {
      mongoUri,
      temporalAddress,
      description,
      async stop() {
        await Promise.all(stops.map((stop) => stop()));
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(stops.map((stop) => stop()));
    throw err;
  }
}

/** Hides a password in a connection string before it is printed. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
