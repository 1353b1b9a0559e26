/**
 * What a job handler gets besides its payload: the means to reach the machines of its site
 * (BMC driver, SSH runner, Talos client, boot plans) and to report progress. Handlers never fetch
 * credentials or open connections themselves; the context does, and closes them when the job ends.
 */
import type { BmcDriver } from '../bmc/bmc-driver.js';
import type { BuiltMedia } from '../boot/boot-media.js';
import type { BootPlan, BootPlanRegistry } from '../boot/boot-plans.js';
import type { SshRunner } from '../ssh/ssh-runner.js';
import type { TalosClient } from '../talos/talos-client.js';
import type { Logger } from '../../shared/logger.js';
import type { JobKind, JobPayload, JobResult } from '../../shared/jobs.js';

/** How long handlers wait for things outside their control. Every field has a production default. */
export interface JobTimings {
  /** Poll interval and limit while waiting for the BMC to report a new power state. */
  powerPollIntervalMs: number;
  powerWaitMs: number;
  /** Limit of `talos.waitApi`, `talos.bootstrap` and `k8s.waitReady`. */
  talosWaitMs: number;
  kubeWaitMs: number;
}

/** Production timings: soft-off may take minutes; Talos installs and etcd bootstraps take several. */
export const DEFAULT_JOB_TIMINGS: JobTimings = {
  powerPollIntervalMs: 2_000,
  powerWaitMs: 5 * 60_000,
  talosWaitMs: 15 * 60_000,
  kubeWaitMs: 15 * 60_000,
};

/** The context of one running job. */
export interface JobContext {
  readonly jobId: string;
  /** Aborted when the API withdraws the job or the agent shuts down: stop and throw. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly timings: JobTimings;
  /** The BMC driver of an asset of this site (credentials fetched from the API; one per job and asset). */
  bmcFor(assetId: string): Promise<BmcDriver>;
  /** An SSH runner to a machine booted into the utility OS, `host` or `host:port` (one per job and address). */
  sshFor(address: string): SshRunner;
  /** The boot plans the boot server answers from. */
  readonly bootPlans: BootPlanRegistry;
  /** Base URL machines reach the boot server at. */
  bootServerUrl(): string;
  /**
   * Builds the virtual-media image of `plan` (for the machine with `mac`, when known) and serves it
   * from the boot server; absent where the agent builds none (no grub-mkrescue configured).
   */
  readonly bootMedia?: {
    build(plan: BootPlan, mac: string | undefined): Promise<BuiltMedia>;
  };
  /** A Talos API client for a node of a cluster, with the cluster's talosconfig identity. */
  talosFor(clusterId: string, nodeIp: string): Promise<TalosClient>;
  /** The cluster's admin kubeconfig (YAML). */
  kubeconfigFor(clusterId: string): Promise<string>;
  /** Records the job's latest progress and, optionally, a log line; both travel with the next job heartbeat. */
  reportProgress(progress: unknown, logLine?: string): void;
}

/** A handler of one job kind: validated payload in, result matching the kind's result schema out. */
export type JobHandler<K extends JobKind> = (payload: JobPayload<K>, ctx: JobContext) => Promise<JobResult<K>>;

/** One handler per job kind. */
export type JobHandlers = { [K in JobKind]: JobHandler<K> };
