import type { WorkflowIndexRepository, WorkflowProgress } from '../../db/workflow-index-repository.js';

/** Activities through which a workflow keeps its row in the `workflows` index current. */
export function createWorkflowIndexActivities(deps: { workflows: WorkflowIndexRepository }) {
  return {
    async recordProgress(workflowId: string, report: WorkflowProgress): Promise<void> {
      await deps.workflows.recordProgress(workflowId, report);
    },
  };
}

export type WorkflowIndexActivities = ReturnType<typeof createWorkflowIndexActivities>;
