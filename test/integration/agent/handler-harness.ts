/**
 * Runs job handlers through the production job context (ipmitool driver, ssh2 runner, Talos gRPC
 * client), with the secrets the API would hand out served from memory.
 */
import { BootPlanRegistry } from '../../../agent/boot/boot-plans.js';
import type { IpmitoolDriverOptions } from '../../../agent/bmc/ipmitool-driver.js';
import { createJobContextFactory } from '../../../agent/jobs/job-context-factory.js';
import { toJobFailure } from '../../../agent/jobs/job-failure.js';
import { runJob } from '../../../agent/jobs/job-handlers.js';
import type { AgentBmcCredentials } from '../../../shared/agent-protocol.js';
import type { JobFailure } from '../../../shared/jobs.js';
import { createLogger } from '../../../shared/logger.js';
import { generateSshKeyPair } from '../../../shared/ssh-key-pair.js';

/** ipmitool timings short enough for tests; the code path is the production one. */
export const FAST_IPMITOOL: IpmitoolDriverOptions = {
  requestTimeoutSeconds: 1,
  requestRetries: 1,
  retry: { totalMs: 2_000, initialDelayMs: 300, maxDelayMs: 600, multiplier: 2 },
  powerPoll: { timeoutMs: 5_000, intervalMs: 200 },
};

/** A handler runner with in-memory secrets. */
export function handlerHarness(options: { sshPrivateKey?: string; talosApiPort?: number } = {}) {
  const bmc = new Map<string, AgentBmcCredentials>();
  const documents = new Map<string, string>();
  const plans = new BootPlanRegistry();
  const makeScope = createJobContextFactory({
    secrets: {
      bmcCredentials: async (assetId) => {
        const creds = bmc.get(assetId);
        if (!creds) throw new Error(`no BMC for ${assetId}`);
        return creds;
      },
      document: async (kind, id) => documents.get(`${kind}/${id}`) ?? '',
    },
    bootPlans: plans,
    bootServerUrl: () => 'http://127.0.0.1:18080',
    ssh: { privateKey: options.sshPrivateKey ?? generateSshKeyPair().private, username: 'root' },
    talosApiPort: options.talosApiPort ?? 50000,
    ipmitool: FAST_IPMITOOL,
    timings: { powerPollIntervalMs: 200, powerWaitMs: 10_000, talosWaitMs: 20_000, kubeWaitMs: 20_000 },
    logger: createLogger('agent', { level: 'silent' }),
  });
  let n = 0;

  /** Runs one job; resolves with its result or its failure, and the log lines it reported. */
  async function run(
    kind: string,
    payload: unknown,
  ): Promise<{ result?: unknown; failure?: JobFailure; logs: string[] }> {
    const logs: string[] = [];
    const abort = new AbortController();
    const scope = makeScope({
      id: `it-job-${++n}`,
      signal: abort.signal,
      reportProgress: (_p, line) => void (line !== undefined && logs.push(line)),
    });
    try {
      return { result: await runJob(kind, payload, scope.ctx), logs };
    } catch (err) {
      return { failure: toJobFailure(err), logs };
    } finally {
      await scope.dispose();
    }
  }
  return { bmc, documents, plans, run };
}
