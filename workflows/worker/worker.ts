import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { connectDatabase } from '../../db/database.js';
import type { Logger } from '../../shared/logger.js';
import { payloadKeyFromSettings, secretBoxFromSettings } from '../../shared/master-key-env.js';
import { rackpilotDataConverter } from '../codec/data-converter.js';
import { createActivities, ensureWorkerIndexes } from '../activities/index.js';
import { systemCryptoSource } from '../../shared/talos/crypto-source.js';
import { KeyPool } from '../../shared/talos/key-pool.js';
import type { QueuedJobSignal } from '../../db/queued-job-signal.js';
import type { WorkerConfig } from './config.js';

/** Path of the workflow bundle's entry, exported so nothing `require.resolve`s across folders. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** A running worker and how to drain it. */
export interface RunningWorker {
  stop(): Promise<void>;
}

/**
 * Connects to MongoDB and Temporal, bundles the workflows and polls the task queue until stopped.
 * `queuedJobSignal`: shared with an API started in the same process (see queued-job-signal.ts).
 */
export async function startWorker(
  config: WorkerConfig,
  log: Logger,
  options: { queuedJobSignal?: QueuedJobSignal } = {},
): Promise<RunningWorker> {
  const secrets = secretBoxFromSettings(config, log);
  // The driver's default 30 s wait for a server: a worker started beside its database waits it out.
  const { db, close: closeDatabase } = await connectDatabase(config.mongoUri, config.dbName, {
    appName: 'rackpilot-worker',
    serverSelectionTimeoutMs: 30_000,
  });
  await ensureWorkerIndexes(db);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowsPath,
    dataConverter: rackpilotDataConverter(payloadKeyFromSettings(config)),
    // Two service-account keys kept ready: a cluster request does not wait seconds for RSA-4096.
    activities: createActivities({
      db,
      secrets,
      cryptoSource: new KeyPool(systemCryptoSource, { 'rsa-4096': 2 }),
      ...options,
    }),
  });
  const running = worker.run();
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker polling');
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await closeDatabase();
    },
  };
}
