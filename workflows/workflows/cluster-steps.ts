import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WipeMethod } from '../../shared/wipe-report.js';
import type { ClusterActivities } from '../activities/cluster-activities.js';
import type { MachineTimings } from './asset-steps.js';
import { bookkeepingActivities } from './bookkeeping.js';
import { fanOut, nodeParallelism } from './node-fan-out.js';
import { wipe } from './wipe.js';

const CLUSTER_RETRY = {
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['ClusterNotFound', 'ClusterBusy', 'VALIDATION_FAILED'],
};

/** Cluster bookkeeping: local activities in new runs, regular ones in older runs (bookkeeping.ts). */
export const clusterActivities = bookkeepingActivities<Omit<ClusterActivities, 'prepareCluster'>>({
  startToCloseTimeout: '2 minutes',
  retry: CLUSTER_RETRY,
});

/**
 * Talos generation: always a regular activity (RSA-4096 generation can take a second or two when
 * the key pool is empty, too long to hold a workflow task). It heartbeats (keep-alive.ts), so a
 * worker killed while it runs costs one heartbeat timeout before another worker retries it, not
 * the whole start-to-close timeout (bench/README.md, Fault matrix).
 */
export const talosGeneration = proxyActivities<Pick<ClusterActivities, 'prepareCluster'>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: CLUSTER_RETRY,
});

/**
 * Wipes the given assets as child workflows, `maxParallelNodes` at a time (see node-fan-out.ts),
 * every one of them even when some fail; returns the ids whose wipe failed.
 */
export async function wipeAssets(
  assetIds: string[],
  mode: WipeMethod,
  timings?: Partial<MachineTimings>,
  maxParallelNodes?: number,
): Promise<string[]> {
  const { workflowId } = workflowInfo();
  const { limit } = nodeParallelism(maxParallelNodes);
  const outcomes = await fanOut(assetIds, { limit, failFast: false }, (assetId) =>
    executeChild(wipe, { workflowId: `${workflowId}-wipe-${assetId}`, args: [{ assetId, mode, timings }] }),
  );
  return assetIds.filter((_, i) => outcomes[i]?.status === 'rejected');
}
