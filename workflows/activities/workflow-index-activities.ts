import type { WorkflowIndexRepository, WorkflowProgress, WorkflowStatus } from '../../db/workflow-index-repository.js';

/** Activities through which a workflow keeps its row in the `workflows` index current. */
export function createWorkflowIndexActivities(deps: { workflows: WorkflowIndexRepository }) {
  return {
    async recordProgress(workflowId: string, report: WorkflowProgress): Promise<void> {
      await deps.workflows.recordProgress(workflowId, report);
    },

    /** The indexed status of a run (null when the index has no such run). */
    async workflowStatus(workflowId: string): Promise<WorkflowStatus | null> {
      return (await deps.workflows.get(workflowId))?.status ?? null;
    },
  };
}

export type WorkflowIndexActivities = ReturnType<typeof createWorkflowIndexActivities>;
