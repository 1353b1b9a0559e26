import type { Client } from '@temporalio/client';
import type { QueuedJobSignal } from '../../db/queued-job-signal.js';
import type { Logger } from '../../shared/logger.js';
import { AgentJobBridge } from '../agent-bridge/agent-job-bridge.js';
import { BootEventRelay } from '../agent-bridge/boot-event-relay.js';
import { temporalActivityReporter, temporalWorkflowSignaller } from '../agent-bridge/temporal-port.js';
import type { AgentService } from '../services/agent-service.js';
import type { Repositories } from './repositories.js';

/** The agent bridge (job hand-out and results) and the boot-event relay of this process. */
export interface Orchestration {
  bridge: AgentJobBridge;
  relay: BootEventRelay;
}

/**
 * Both need Temporal, so they are built on first use (the API serves everything else while
 * Temporal is down) and again after a failed connection.
 */
export function lazyOrchestration(deps: {
  repositories: Repositories;
  agent: AgentService;
  temporal: () => Promise<Client>;
  log: Logger;
  now: () => Date;
  queuedJobSignal?: QueuedJobSignal | undefined;
}): () => Promise<Orchestration> {
  const { repositories, agent, log, now } = deps;
  let orchestration: Promise<Orchestration> | undefined;
  return () => {
    orchestration ??= deps.temporal().then((client) => ({
      bridge: new AgentJobBridge({
        jobs: repositories.agentJobs,
        activities: temporalActivityReporter(client),
        log,
        storeSecretResult: (job, result) => agent.storeSecretResult(job, result),
        ...(deps.queuedJobSignal ? { queuedJobSignal: deps.queuedJobSignal } : {}),
      }),
      relay: new BootEventRelay({
        assets: repositories.assets,
        workflows: temporalWorkflowSignaller(client),
        log,
        now,
      }),
    }));
    orchestration.catch(() => {
      orchestration = undefined;
    });
    return orchestration;
  };
}
