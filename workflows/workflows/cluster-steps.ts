import { executeChild, workflowInfo } from '@temporalio/workflow';
import type { WipeMethod } from '../../shared/wipe-report.js';
import type { ClusterActivities } from '../activities/cluster-activities.js';
import type { MachineTimings } from './asset-steps.js';
import { bookkeepingActivities } from './bookkeeping.js';
import { fanOut, nodeParallelism } from './node-fan-out.js';
import { wipe } from './wipe.js';

/**
 * Cluster bookkeeping (local in new runs, see bookkeeping.ts) and Talos generation (always a
 * regular activity: RSA-4096 generation can take a second or two when the key pool is empty).
 */
export const clusterActivities = bookkeepingActivities<ClusterActivities>(
  {
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['ClusterNotFound', 'ClusterBusy', 'VALIDATION_FAILED'] },
  },
  ['prepareCluster'],
);

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
