/**
 * Builds the real agent daemon (API client, job runner, job context factory, metrics) against a
 * {@link FakeAgentApi} on loopback, with short intervals so a test sees many heartbeats quickly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentApiClient } from '../../../agent/api-client/agent-api-client.js';
import { BootPlanRegistry } from '../../../agent/boot/boot-plans.js';
import { AgentDaemon } from '../../../agent/daemon/agent-daemon.js';
import type { JobHandlers } from '../../../agent/jobs/job-context.js';
import { createJobContextFactory } from '../../../agent/jobs/job-context-factory.js';
import { JOB_HANDLERS } from '../../../agent/jobs/job-handlers.js';
import { createAgentMetrics, type AgentMetrics } from '../../../agent/metrics.js';
import { createLogger } from '../../../shared/logger.js';
import type { FakeAgentApi } from './fake-agent-api.js';
import { generateSshKeyPair } from '../../../shared/ssh-key-pair.js';

export interface TestAgent {
  daemon: AgentDaemon;
  metrics: AgentMetrics;
  plans: BootPlanRegistry;
}

/** A temporary data dir, removed by `cleanup()`. */
export async function tempDataDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-agent-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Builds (does not start) a daemon talking to `api`. */
export function buildAgent(
  api: FakeAgentApi,
  dataDir: string,
  options: { concurrency?: number; handlers?: Partial<JobHandlers>; enroll?: boolean } = {},
): TestAgent {
  const logger = createLogger('agent', { level: process.env['RACKPILOT_TEST_LOG'] ?? 'silent' });
  const metrics = createAgentMetrics();
  const client = new AgentApiClient({
    baseUrl: api.url,
    attempts: 3,
    timeoutMs: 5_000,
    backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    logger,
  });
  client.onError((operation, err) => metrics.apiErrors.inc({ operation, code: err.code }));
  const plans = new BootPlanRegistry();
  const daemon = new AgentDaemon({
    api: client,
    name: 'rack-1-agent',
    version: '0.1.0-test',
    credentialFile: join(dataDir, 'agent-credential.json'),
    enrollmentToken: options.enroll === false ? undefined : api.enrollmentToken,
    concurrency: options.concurrency ?? 4,
    heartbeatMs: 100,
    jobHeartbeatMs: 60,
    claimWaitSeconds: 1,
    backoff: { initialDelayMs: 50, maxDelayMs: 200 },
    bootServerUrl: () => 'http://127.0.0.1:18080',
    makeScope: createJobContextFactory({
      secrets: client,
      bootPlans: plans,
      bootServerUrl: () => 'http://127.0.0.1:18080',
      ssh: { privateKey: generateSshKeyPair().private, username: 'root' },
      talosApiPort: 50000,
      logger,
    }),
    handlers: { ...JOB_HANDLERS, ...options.handlers } as JobHandlers,
    logger,
    metrics,
  });
  return { daemon, metrics, plans };
}

/** Resolves once `predicate` holds; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
