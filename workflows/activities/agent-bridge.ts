import { CompleteAsyncError, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentJobRepository } from '../../db/agent-job-repository.js';
import type { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { FailureTypes } from '../../shared/failure-types.js';
import { jobPayloadSchemas, type JobKind, type JobRequest, type JobWorkflowResult } from '../../shared/jobs.js';

/**
 * The cloud half of the agent bridge (DESIGN.md): an activity that queues a job for a site's
 * agent and returns without a result; the API completes it later with the task token when the
 * agent reports back. A retry of the activity (agent died → heartbeat timeout) queues a new job
 * and withdraws the old one.
 */
export function createAgentBridgeActivities(deps: { jobs: AgentJobRepository; queuedJobSignal?: QueuedJobSignal }) {
  return {
    async runOnAgent<K extends JobKind>(
      siteId: string,
      request: JobRequest & { kind: K },
    ): Promise<JobWorkflowResult<K>> {
      const parsed = jobPayloadSchemas[request.kind].safeParse(request.payload);
      if (!parsed.success) {
        throw ApplicationFailure.create({
          type: FailureTypes.InvalidJob,
          message: `Invalid ${request.kind} job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          nonRetryable: true,
        });
      }
      const { info } = Context.current();
      if (!info.workflowExecution) throw new Error('runOnAgent runs only inside a workflow');
      const { workflowId, runId } = info.workflowExecution;
      await deps.jobs.enqueue({
        siteId,
        kind: request.kind,
        payload: parsed.data,
        taskToken: Buffer.from(info.taskToken).toString('base64'),
        activityKey: `${workflowId}/${runId}/${info.activityId}`,
        workflowId,
        attempt: info.attempt,
      });
      deps.queuedJobSignal?.ring(siteId);
      throw new CompleteAsyncError();
    },
  };
}

export type AgentBridgeActivities = ReturnType<typeof createAgentBridgeActivities>;
