import { ApplicationFailure } from '@temporalio/workflow';
import type { MachineTimings } from './asset-steps.js';
import { clusterActivities, wipeAssets } from './cluster-steps.js';
import { failureMessage, failureReason, Runbook } from './runbook.js';

export interface ClusterDeleteInput {
  clusterId: string;
  timings?: Partial<MachineTimings>;
}

const STEPS = ['Mark deleting', 'Wipe nodes', 'Mark deleted'] as const;

/**
 * Deletes a cluster the way a cluster delete should: every node is wiped (verified, per-disk
 * reports kept) and returned `available`; the cluster ends `deleted`.
 */
export async function clusterDelete(input: ClusterDeleteInput): Promise<{ clusterId: string; wiped: number }> {
  const { clusterId } = input;
  const runbook = new Runbook(STEPS);
  try {
    const plan = await runbook.step('Mark deleting', async () => {
      await clusterActivities.setClusterStatus(
        clusterId,
        ['ready', 'failed', 'pending', 'provisioning', 'bootstrapping'],
        'deleting',
        'Wipe nodes',
      );
      return clusterActivities.clusterNodes(clusterId);
    });
    const assetIds = plan;
    await runbook.step('Wipe nodes', async () => {
      const failed = await wipeAssets(assetIds, 'quick', input.timings);
      if (failed.length > 0) {
        throw ApplicationFailure.create({
          type: 'WipeFailed',
          message: `Wipe failed on ${failed.join(', ')}`,
          nonRetryable: true,
        });
      }
    });
    await runbook.step('Mark deleted', () =>
      clusterActivities.setClusterStatus(clusterId, ['deleting'], 'deleted', 'Deleted'),
    );
    await runbook.end('completed');
    return { clusterId, wiped: assetIds.length };
  } catch (err) {
    const failure = runbook.failure ?? { step: 'unknown', reason: failureReason(err), message: failureMessage(err) };
    await clusterActivities.failCluster(clusterId, failure);
    await runbook.end('failed');
    throw err;
  }
}
