/**
 * A {@link JobContext} over fakes for unit tests of the handlers: a fake BMC per asset, fake SSH
 * runners per address, a real boot plan registry, and every progress report recorded.
 */
import { BootPlanRegistry } from '../boot/boot-plans.js';
import type { FakeBmcDriver } from '../bmc/fake-bmc-driver.js';
import type { SshRunner } from '../ssh/ssh-runner.js';
import type { TalosClient } from '../talos/talos-client.js';
import { createLogger } from '../../shared/logger.js';
import type { JobContext, JobTimings } from './job-context.js';

/** A context for tests plus what it recorded. */
export interface TestContext {
  ctx: JobContext;
  bmcs: Map<string, FakeBmcDriver>;
  progress: { progress: unknown; logLine?: string }[];
  abort: AbortController;
}

/** Builds a test context; `ssh` answers `sshFor`, `talos` answers `talosFor`. */
export function testContext(
  options: {
    bmcs?: Record<string, FakeBmcDriver>;
    ssh?: (address: string) => SshRunner;
    talos?: (clusterId: string, nodeIp: string) => TalosClient;
    kubeconfig?: string;
    timings?: Partial<JobTimings>;
  } = {},
): TestContext {
  const bmcs = new Map(Object.entries(options.bmcs ?? {}));
  const progress: TestContext['progress'] = [];
  const abort = new AbortController();
  const ctx: JobContext = {
    jobId: 'job-1',
    signal: abort.signal,
    logger: createLogger('agent', { level: 'silent' }),
    timings: { powerPollIntervalMs: 5, powerWaitMs: 100, talosWaitMs: 1_000, kubeWaitMs: 1_000, ...options.timings },
    bootPlans: new BootPlanRegistry(),
    bootServerUrl: () => 'http://10.0.0.2:8080',
    reportProgress: (p, logLine) => progress.push({ progress: p, logLine }),
    bmcFor: async (assetId) => {
      const bmc = bmcs.get(assetId);
      if (!bmc) throw new Error(`no BMC for ${assetId}`);
      return bmc;
    },
    sshFor: (address) => {
      if (!options.ssh) throw new Error('no SSH in this test');
      return options.ssh(address);
    },
    talosFor: async (clusterId, nodeIp) => {
      if (!options.talos) throw new Error('no Talos in this test');
      return options.talos(clusterId, nodeIp);
    },
    kubeconfigFor: async () => options.kubeconfig ?? '',
  };
  return { ctx, bmcs, progress, abort };
}
