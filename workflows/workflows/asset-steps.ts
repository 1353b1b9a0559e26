import { CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { AssetActivities } from '../activities/asset-activities.js';
import { DEFAULT_AGENT_TIMINGS, type AgentTimings } from './agent-steps.js';
import { bookkeepingActivities } from './bookkeeping.js';
import { failureMessage, failureReason, type Runbook } from './runbook.js';

/** Asset bookkeeping activities (database only: quick, retried; local in new runs, see bookkeeping.ts). */
export const assetActivities = bookkeepingActivities<AssetActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: ['AssetBusy', 'AssetNotFound'] },
});

/** Timings of the machine-facing workflows. */
export interface MachineTimings extends AgentTimings {
  /** How long a machine may take from power-on to the expected boot stage. */
  bootTimeout: string | number;
}

export const DEFAULT_MACHINE_TIMINGS: MachineTimings = { ...DEFAULT_AGENT_TIMINGS, bootTimeout: '15 minutes' };

/** Fills unspecified timings with the defaults. */
export function machineTimings(overrides?: Partial<MachineTimings>): MachineTimings {
  return { ...DEFAULT_MACHINE_TIMINGS, ...overrides };
}

/**
 * Ends a failed or cancelled machine workflow cleanly: puts the asset in `error` with the step
 * and reason (unless cancelled), runs `compensate` (best effort, e.g. power off), records the
 * final status, and rethrows. Runs even when the workflow is being cancelled.
 */
export async function settleMachineFailure(
  runbook: Runbook,
  assetId: string,
  err: unknown,
  compensate: () => Promise<unknown>,
): Promise<never> {
  const cancelled = isCancellation(err);
  await CancellationScope.nonCancellable(async () => {
    const failure = runbook.failure ?? { step: 'unknown', reason: failureReason(err), message: failureMessage(err) };
    await assetActivities.markAssetFailed(assetId, workflowInfo().workflowId, failure);
    await compensate().catch(() => undefined);
    await runbook.end(cancelled ? 'cancelled' : 'failed');
  });
  throw err;
}
