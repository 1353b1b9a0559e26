import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WipeMethod } from '../../shared/wipe-report.js';
import type { ClusterActivities } from '../activities/cluster-activities.js';
import type { MachineTimings } from './asset-steps.js';
import { wipe } from './wipe.js';

/** Cluster bookkeeping and Talos generation (cloud side; RSA-4096 generation takes a second or two). */
export const clusterActivities = proxyActivities<ClusterActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['ClusterNotFound', 'ClusterBusy', 'VALIDATION_FAILED'] },
});

/** Wipes the given assets in parallel as child workflows; returns the ids whose wipe failed. */
export async function wipeAssets(
  assetIds: string[],
  mode: WipeMethod,
  timings?: Partial<MachineTimings>,
): Promise<string[]> {
  const { workflowId } = workflowInfo();
  const outcomes = await Promise.allSettled(
    assetIds.map((assetId) =>
      executeChild(wipe, { workflowId: `${workflowId}-wipe-${assetId}`, args: [{ assetId, mode, timings }] }),
    ),
  );
  return assetIds.filter((_, i) => outcomes[i]?.status === 'rejected');
}
