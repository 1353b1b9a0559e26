import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { AgentJobRepository } from '../../db/agent-job-repository.js';

const EventType = proto.temporal.api.enums.v1.EventType;

/**
 * Prints where one workflow's time went (`BENCH_BREAKDOWN=1`): every history event with its
 * offset from `since` and the gap to the event before (activity and marker names shown), then its
 * agent jobs with their queue wait and agent-side duration. A profiling aid, not a figure.
 */
export async function printBreakdown(
  client: Client,
  jobs: AgentJobRepository,
  workflowId: string,
  since: number,
): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  console.log(`\n${workflowId}: history (ms since request, gap)`);
  let previous: number | undefined;
  for (const event of history.events ?? []) {
    const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
    const name =
      event.activityTaskScheduledEventAttributes?.activityType?.name ??
      event.markerRecordedEventAttributes?.markerName ??
      '';
    const type = EventType[event.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(event.eventType);
    console.log(
      `${String(at - since).padStart(7)} ${`+${previous === undefined ? 0 : at - previous}`.padStart(6)}  ${type} ${name}`,
    );
    previous = at;
  }
  console.log(`\n${workflowId}: agent jobs (created since request, queued, agent-side)`);
  for (const job of await jobs.listForWorkflow(workflowId)) {
    const created = job.createdAt.getTime();
    const claimed = job.claimedAt?.getTime();
    const finished = job.finishedAt?.getTime();
    console.log(
      `${job.kind.padEnd(16)} ${String(created - since).padStart(7)} ${String(claimed ? claimed - created : '-').padStart(6)} ${String(claimed && finished ? finished - claimed : '-').padStart(6)}`,
    );
  }
}
