import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from '../../shared/logger.js';
import type { WorkerConfig } from './config.js';

/** Path of the workflow bundle's entry, exported so nothing `require.resolve`s across folders. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** A running worker and how to drain it. */
export interface RunningWorker {
  stop(): Promise<void>;
}

/** Connects to Temporal, bundles the workflows and polls the task queue until stopped. */
export async function startWorker(config: WorkerConfig, log: Logger): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowsPath,
    activities: {},
  });
  const running = worker.run();
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker polling');
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
