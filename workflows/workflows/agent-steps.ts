import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
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
    run<K extends JobKind>(siteId: string, kind: K, payload: JobPayload<K>): Promise<JobWorkflowResult<K>> {
      const activities = LONG_KINDS.includes(kind) ? long : quick;
      return activities.runOnAgent(siteId, { kind, payload } as never) as Promise<JobWorkflowResult<K>>;
    },
  };
}

export type Agent = ReturnType<typeof agentFor>;
