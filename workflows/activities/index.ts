import type { Database } from '../../db/database.js';
import { AgentJobRepository } from '../../db/agent-job-repository.js';
import { AssetRepository } from '../../db/asset-repository.js';
import { ClusterRepository } from '../../db/cluster-repository.js';
import { WorkflowIndexRepository } from '../../db/workflow-index-repository.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { CryptoSource } from '../../shared/talos/crypto-source.js';
import type { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { createAgentBridgeActivities } from './agent-bridge.js';
import { createAssetActivities } from './asset-activities.js';
import { createClusterActivities } from './cluster-activities.js';
import { createWorkflowIndexActivities } from './workflow-index-activities.js';

/** Every activity of the cloud-side worker, built once from its dependencies (STYLE.md §2). */
export function createActivities(deps: {
  db: Database;
  secrets: SecretBox;
  now?: () => Date;
  cryptoSource?: CryptoSource;
  /** Shared with an API in the same process, whose site feeds it wakes (queued-job-signal.ts). */
  queuedJobSignal?: QueuedJobSignal;
}) {
  const now = deps.now ?? (() => new Date());
  const jobs = new AgentJobRepository(deps.db, now);
  const assets = new AssetRepository(deps.db, now);
  const workflows = new WorkflowIndexRepository(deps.db, now);
  const clusters = new ClusterRepository(deps.db, now);
  return {
    ...createClusterActivities({
      clusters,
      assets,
      secrets: deps.secrets,
      now,
      ...(deps.cryptoSource ? { cryptoSource: deps.cryptoSource } : {}),
    }),
    ...createAgentBridgeActivities({
      jobs,
      ...(deps.queuedJobSignal ? { queuedJobSignal: deps.queuedJobSignal } : {}),
    }),
    ...createAssetActivities({ assets, now }),
    ...createWorkflowIndexActivities({ workflows }),
  };
}

/** Creates the indexes the worker's repositories rely on (idempotent). */
export async function ensureWorkerIndexes(db: Database): Promise<void> {
  await new AgentJobRepository(db).ensureIndexes();
  await new AssetRepository(db).ensureIndexes();
  await new WorkflowIndexRepository(db).ensureIndexes();
  await new ClusterRepository(db).ensureIndexes();
}
