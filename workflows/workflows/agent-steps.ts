import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  TimeoutFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import { FailureTypes } from '../../shared/failure-types.js';
import { NON_RETRYABLE_FAILURES } from '../../shared/failure-types.js';
import type { JobKind, JobPayload, JobWorkflowResult } from '../../shared/jobs.js';
import type { AgentBridgeActivities } from '../activities/agent-bridge.js';

/** Tunables of agent steps; tests shorten them, operators may lengthen them. */
export interface AgentTimings {
  /** A claimed job that sends no heartbeat for this long is presumed dead and re-issued. */
  heartbeatTimeout: string | number;
  /** How long a quick job (BMC, boot plan) may take overall, retries included. */
  quickJobTimeout: string | number;
  /** How long a long job (wipe, Talos install wait) may take overall. */
  longJobTimeout: string | number;
}

export const DEFAULT_AGENT_TIMINGS: AgentTimings = {
  heartbeatTimeout: '30 seconds',
  quickJobTimeout: '10 minutes',
  longJobTimeout: '6 hours',
};

const LONG_KINDS: readonly JobKind[] = ['ssh.wipe', 'talos.waitApi', 'k8s.waitReady', 'talos.bootstrap'];

/**
 * Typed access to the site agent from a workflow: `agent.run(siteId, kind, payload)` runs one job
 * through the bridge with a heartbeat timeout (a dead agent → the job is re-issued) and retries
 * that stop at failures no retry can fix (wrong BMC password, wrong disk).
 */
export function agentFor(timings: AgentTimings = DEFAULT_AGENT_TIMINGS) {
  const options = (scheduleToCloseTimeout: string | number): ActivityOptions => ({
    scheduleToCloseTimeout,
    heartbeatTimeout: timings.heartbeatTimeout,
    retry: {
      initialInterval: '1 second',
      maximumInterval: '15 seconds',
      nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES],
    },
  });
  const quick = proxyActivities<AgentBridgeActivities>(options(timings.quickJobTimeout));
  const long = proxyActivities<AgentBridgeActivities>(options(timings.longJobTimeout));
  return {
    /**
     * Runs one job. `within` replaces the kind's overall limit (retries included): a wait for
     * something that may never happen (a node's Talos API after a failed install) is bounded by
     * what the step can take, not by the hours a wipe may need.
     */
    run<K extends JobKind>(
      siteId: string,
      kind: K,
      payload: JobPayload<K>,
      limits: { within?: string | number } = {},
    ): Promise<JobWorkflowResult<K>> {
      const isLong = LONG_KINDS.includes(kind);
      const within = limits.within ?? (isLong ? timings.longJobTimeout : timings.quickJobTimeout);
      const activities =
        limits.within !== undefined ? proxyActivities<AgentBridgeActivities>(options(within)) : isLong ? long : quick;
      const run = activities.runOnAgent(siteId, { kind, payload } as never) as Promise<JobWorkflowResult<K>>;
      return run.catch((err: unknown) => {
        throw outOfTime(err, kind, within) ?? err;
      });
    },
  };
}

export type Agent = ReturnType<typeof agentFor>;

/**
 * A job that ran out of time with no failure of its own (the agent kept waiting, or stopped
 * answering) as a JobTimeout naming the job and its limit, instead of Temporal's bare timeout.
 */
function outOfTime(err: unknown, kind: JobKind, within: string | number): ApplicationFailure | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure)) return undefined;
  const silent = err.cause.timeoutType === 'HEARTBEAT' ? ': the agent stopped reporting on it' : '';
  return ApplicationFailure.create({
    type: FailureTypes.JobTimeout,
    message: `${kind} did not finish within ${String(within)}, retries included${silent}`,
    nonRetryable: true,
  });
}
