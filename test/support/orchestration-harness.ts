import { createHash, randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { AgentJobRepository } from '../../db/agent-job-repository.js';
import { AssetRepository, type AssetDoc } from '../../db/asset-repository.js';
import { ClusterRepository } from '../../db/cluster-repository.js';
import { newId } from '../../db/ids.js';
import { WorkflowIndexRepository } from '../../db/workflow-index-repository.js';
import { createLogger } from '../../shared/logger.js';
import { SecretBox } from '../../shared/secret-box.js';
import { createActivities, ensureWorkerIndexes } from '../../workflows/activities/index.js';
import { AgentJobBridge } from '../../api/agent-bridge/agent-job-bridge.js';
import { BootEventRelay } from '../../api/agent-bridge/boot-event-relay.js';
import { temporalActivityReporter, temporalWorkflowSignaller } from '../../api/agent-bridge/temporal-port.js';
import { rackpilotDataConverter } from '../../workflows/codec/data-converter.js';
import { workflowsPath } from '../../workflows/worker/worker.js';
import { freshDatabase, temporalAddress, uniqueName } from './services.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The payload encryption of test runs, with a fixed test-only key: histories recorded from these
 * runs hold encrypted payloads, and the replay test must be able to open them.
 */
export function historyDataConverter() {
  return rackpilotDataConverter(Buffer.alloc(32, 'rackpilot-recorded-histories'));
}

/** Bundles the product's workflows once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};

/**
 * The cloud side of orchestration on real servers: a fresh database, a Temporal client, the
 * bridge and boot-event relay the API uses, and a worker that can be stopped and restarted.
 */
export async function startOrchestration() {
  const database = await freshDatabase('orch');
  const secrets = new SecretBox(randomBytes(32));
  const storedSecrets: { jobId: string; result: Record<string, unknown> }[] = [];
  await ensureWorkerIndexes(database.db);
  const log = createLogger('test', { level: 'silent' });
  const connection = await Connection.connect({ address: temporalAddress() });
  const dataConverter = historyDataConverter();
  const client = new Client({ connection, dataConverter });
  const taskQueue = uniqueName('orch');
  const jobs = new AgentJobRepository(database.db);
  const assets = new AssetRepository(database.db);
  const workflows = new WorkflowIndexRepository(database.db);
  const bridge = new AgentJobBridge({
    jobs,
    activities: temporalActivityReporter(client),
    log,
    pollIntervalMs: 50,
    storeSecretResult: async (job, result) => {
      storedSecrets.push({ jobId: job._id, result });
      return { storedSecret: { sha256: createHash('sha256').update(JSON.stringify(result)).digest('hex') } };
    },
  });
  const relay = new BootEventRelay({ assets, workflows: temporalWorkflowSignaller(client), log });

  let worker: { stop(): Promise<void> } | undefined;
  async function startWorker(): Promise<void> {
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
    const w = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      dataConverter,
      activities: createActivities({ db: database.db, secrets }),
    });
    const running = w.run();
    worker = {
      async stop() {
        w.shutdown();
        await running;
        await nativeConnection.close();
      },
    };
  }
  await startWorker();

  return {
    db: database.db,
    client,
    taskQueue,
    jobs,
    assets,
    workflows,
    clusters: new ClusterRepository(database.db),
    secrets,
    storedSecrets,
    bridge,
    relay,
    startWorker,
    stopWorker: async () => {
      await worker?.stop();
      worker = undefined;
    },
    async close() {
      await worker?.stop();
      await connection.close();
      await database.close();
    },
  };
}

export type Orchestration = Awaited<ReturnType<typeof startOrchestration>>;

let nextBmc = Math.floor(Math.random() * 50_000);

/** A BMC address no other asset of this process uses (the BMC address is unique per site). */
function uniqueBmcAddress(): string {
  nextBmc += 1;
  return `127.20.${Math.floor(nextBmc / 250) % 250}.${(nextBmc % 250) + 2}`;
}

/** Builds an asset document with plausible defaults (a fresh enrolment). */
export function buildAsset(overrides: Partial<AssetDoc> = {}): AssetDoc {
  const at = new Date();
  return {
    _id: newId('ast'),
    orgId: 'org_test',
    siteId: 'site_test',
    state: 'enrolling',
    version: 1,
    bmc: {
      driver: 'ipmi',
      address: uniqueBmcAddress(),
      port: 623,
      username: 'admin',
      passwordSecret: 'v1:test',
      cipherSuite: 3,
    },
    labels: {},
    macs: [],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
