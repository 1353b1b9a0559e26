import type { WorkflowIndexRepository, WorkflowProgress, WorkflowStatus } from '../../db/workflow-index-repository.js';

/** How long a run found without an index row is not looked for again. */
const UNINDEXED_TTL_MS = 30_000;
const UNINDEXED_MAX = 10_000;

/**
 * Activities through which a workflow keeps its row in the `workflows` index current. A run's row
 * is written before the run starts (WorkflowService.start), so a run reported without one is not
 * indexed (a cluster's per-node children): its reports are dropped here for a while instead of
 * costing a database round trip at every step of every node.
 */
export function createWorkflowIndexActivities(deps: { workflows: WorkflowIndexRepository; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const unindexed = new Map<string, number>();
  return {
    async recordProgress(workflowId: string, report: WorkflowProgress): Promise<void> {
      const until = unindexed.get(workflowId);
      if (until !== undefined && until > now()) return;
      unindexed.delete(workflowId);
      if (await deps.workflows.recordProgress(workflowId, report)) return;
      if (unindexed.size >= UNINDEXED_MAX) unindexed.delete(unindexed.keys().next().value!);
      unindexed.set(workflowId, now() + UNINDEXED_TTL_MS);
    },

    /** The indexed status of a run (null when the index has no such run). */
    async workflowStatus(workflowId: string): Promise<WorkflowStatus | null> {
      return (await deps.workflows.get(workflowId))?.status ?? null;
    },
  };
}

export type WorkflowIndexActivities = ReturnType<typeof createWorkflowIndexActivities>;
