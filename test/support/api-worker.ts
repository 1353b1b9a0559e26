import { NativeConnection, Worker } from '@temporalio/worker';
import type { Container } from '../../api/container.js';
import { payloadKeyFromSettings } from '../../shared/master-key-env.js';
import { createActivities, ensureWorkerIndexes } from '../../workflows/activities/index.js';
import { rackpilotDataConverter } from '../../workflows/codec/data-converter.js';
import { workflowBundle } from './orchestration-harness.js';
import { temporalAddress } from './services.js';

/**
 * Runs the product's worker beside a test API instance: same database, same SecretBox, same
 * payload encryption, on the API's task queue. `stop()` drains it.
 */
export async function startWorkerFor(container: Container): Promise<{ stop(): Promise<void> }> {
  await ensureWorkerIndexes(container.db);
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection,
    taskQueue: container.config.taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: rackpilotDataConverter(payloadKeyFromSettings(container.config)),
    activities: createActivities({ db: container.db, secrets: container.secretBox }),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
