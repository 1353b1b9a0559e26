import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { WorkflowIndexActivities } from '../activities/workflow-index-activities.js';
import type { MachineTimings } from './asset-steps.js';
import { clusterActivities, wipeAssets } from './cluster-steps.js';
import { failureMessage, failureReason, Runbook } from './runbook.js';

export interface ClusterDeleteInput {
  clusterId: string;
  /** The cluster's create workflow, cancelled by the API and still compensating: waited for first. */
  awaitWorkflowId?: string;
  timings?: Partial<MachineTimings>;
  /** Nodes wiped at once; default 50 (runs after the patch in node-fan-out.ts). */
  maxParallelNodes?: number;
}

const STEPS = ['Mark deleting', 'Wipe nodes', 'Mark deleted'] as const;
const STOP_CREATION = 'Stop cluster creation';

const { workflowStatus } = proxyActivities<WorkflowIndexActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5 },
});

/** How long the creation's compensation (wiping what it touched) may take before the delete gives up. */
const CREATION_STOP_TIMEOUT_MS = 60 * 60 * 1000;

/** Waits until the cancelled create workflow has recorded its end (compensation included). */
async function creationStopped(workflowId: string): Promise<void> {
  const deadline = Date.now() + CREATION_STOP_TIMEOUT_MS;
  for (;;) {
    const status = await workflowStatus(workflowId);
    if (status === null || status === 'completed' || status === 'failed' || status === 'cancelled') return;
    if (Date.now() > deadline)
      throw ApplicationFailure.create({
        type: 'CreationNotStopped',
        message: `${workflowId} was still ${status} after ${CREATION_STOP_TIMEOUT_MS / 60_000} min`,
        nonRetryable: true,
      });
    await sleep('2 seconds');
  }
}

/**
 * Deletes a cluster the way a cluster delete should: every node is wiped (verified, per-disk
 * reports kept) and returned `available`; the cluster ends `deleted`.
 */
export async function clusterDelete(input: ClusterDeleteInput): Promise<{ clusterId: string; wiped: number }> {
  const { clusterId } = input;
  // Only runs that were asked to wait plan the extra step: recorded histories of the others replay unchanged.
  const runbook = new Runbook(input.awaitWorkflowId ? [STOP_CREATION, ...STEPS] : STEPS);
  try {
    if (input.awaitWorkflowId) {
      const creation = input.awaitWorkflowId;
      await runbook.step(STOP_CREATION, () => creationStopped(creation));
    }
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
      const failed = await wipeAssets(assetIds, 'quick', input.timings, input.maxParallelNodes);
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
