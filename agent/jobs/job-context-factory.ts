/**
 * Builds the {@link JobContext} of each job from the agent's long-lived parts, and closes what the
 * job opened (BMC drivers, SSH connections, Talos channels) when it ends. Connections are cached
 * per job: two calls of `bmcFor(a)` in one job share a driver, two jobs never do.
 */
import { createBmcDriver } from '../bmc/create-bmc-driver.js';
import type { IpmitoolDriverOptions } from '../bmc/ipmitool-driver.js';
import type { RedfishDriverOptions } from '../bmc/redfish/redfish-driver.js';
import type { BmcProtocol } from '../../shared/bmc-endpoint.js';
import type { BmcDriver } from '../bmc/bmc-driver.js';
import { mediaBootSource, type BootMediaStore } from '../boot/boot-media.js';
import type { BootPlanRegistry } from '../boot/boot-plans.js';
import type { UtilityImage } from '../boot/ipxe-script.js';
import { Ssh2Runner } from '../ssh/ssh2-runner.js';
import type { SshRunner } from '../ssh/ssh-runner.js';
import { createTalosClient, type TalosClient } from '../talos/talos-client.js';
import type { AgentBmcCredentials } from '../../shared/agent-protocol.js';
import type { Logger } from '../../shared/logger.js';
import { parseTalosconfig } from '../../shared/talos/talosconfig.js';
import { DEFAULT_JOB_TIMINGS, type JobContext, type JobTimings } from './job-context.js';

/** Where the context gets secrets from: the API (`AgentApiClient` satisfies this). */
export interface JobSecretsSource {
  bmcCredentials(assetId: string): Promise<AgentBmcCredentials>;
  /** Records what an asset enrolled with `detect` turned out to speak; optional for test sources. */
  reportBmcProtocol?(assetId: string, protocol: BmcProtocol, port: number): Promise<void>;
  document(kind: 'talosconfig' | 'kubeconfig', clusterId: string): Promise<string>;
}

/** The agent's long-lived parts a job context is made of. */
export interface JobContextDeps {
  secrets: JobSecretsSource;
  bootPlans: BootPlanRegistry;
  bootServerUrl: () => string;
  /** Virtual-media images: where they are built, and the utility image they carry. */
  bootMedia?: { store: BootMediaStore; utility: UtilityImage };
  /** The agent's SSH private key (OpenSSH), and the user the utility OS accepts. */
  ssh: { privateKey: string; username: string; connectTimeoutMs?: number };
  /** Port of the Talos API on nodes (50000 on real nodes). */
  talosApiPort: number;
  /** What speaks IPMI: the ipmitool binary (default) or the agent's own RMCP+ client. */
  ipmiClient?: 'ipmitool' | 'native';
  ipmitool?: IpmitoolDriverOptions;
  redfish?: RedfishDriverOptions;
  /** Port `detect` probes Redfish at (443; the lab's BMCs may listen elsewhere). */
  detectRedfishPort?: number;
  timings?: Partial<JobTimings>;
  logger: Logger;
}

/** A job's context and the clean-up to run when the job ends. */
export interface JobScope {
  ctx: JobContext;
  /** Closes every connection the job opened. Never throws. */
  dispose(): Promise<void>;
}

/** Splits `host`, `host:port` or `[v6]:port`; the port defaults to 22. */
export function splitSshAddress(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$|^([^:]+)(?::(\d+))?$/.exec(address);
  const host = match?.[1] ?? match?.[3];
  const port = Number(match?.[2] ?? match?.[4] ?? 22);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RangeError(`Not an SSH address: ${address}`);
  }
  return { host, port };
}

/** Returns a function that makes the scope of one job. */
export function createJobContextFactory(deps: JobContextDeps) {
  const timings = { ...DEFAULT_JOB_TIMINGS, ...deps.timings };
  return (job: {
    id: string;
    signal: AbortSignal;
    reportProgress: (progress: unknown, logLine?: string) => void;
  }): JobScope => {
    const logger = deps.logger.child({ jobId: job.id });
    const bmcs = new Map<string, Promise<BmcDriver>>();
    const runners = new Map<string, SshRunner>();
    const talos = new Map<string, Promise<TalosClient>>();
    // A withdrawn job must stop now: kill running ipmitool processes by closing the drivers.
    const onAbort = (): void => void closeAll();
    job.signal.addEventListener('abort', onAbort, { once: true });

    async function closeAll(): Promise<void> {
      const closing: Promise<unknown>[] = [];
      for (const bmc of bmcs.values()) closing.push(bmc.then((b) => b.close()));
      for (const runner of runners.values()) closing.push(runner.close());
      for (const client of talos.values()) closing.push(client.then((c) => c.close()));
      await Promise.allSettled(closing);
    }

    const ctx: JobContext = {
      jobId: job.id,
      signal: job.signal,
      logger,
      timings,
      bootPlans: deps.bootPlans,
      bootServerUrl: deps.bootServerUrl,
      reportProgress: job.reportProgress,
      ...(deps.bootMedia
        ? {
            bootMedia: {
              build: (plan, mac) => {
                const { store, utility } = deps.bootMedia!;
                const baseUrl = deps.bootServerUrl();
                const source = mediaBootSource(baseUrl, plan, mac, utility);
                return store.build(source, { assetId: plan.assetId, jobId: job.id, baseUrl }, job.signal);
              },
            },
          }
        : {}),
      bmcFor(assetId) {
        let driver = bmcs.get(assetId);
        if (driver === undefined) {
          driver = deps.secrets.bmcCredentials(assetId).then((creds) =>
            createBmcDriver(creds, {
              logger: logger.child({ assetId }),
              ipmiClient: deps.ipmiClient,
              ipmitool: deps.ipmitool,
              redfish: deps.redfish,
              detectRedfishPort: deps.detectRedfishPort,
              reportProtocol: deps.secrets.reportBmcProtocol
                ? (protocol, port) => deps.secrets.reportBmcProtocol!(assetId, protocol, port)
                : undefined,
            }),
          );
          driver.catch(() => bmcs.delete(assetId));
          bmcs.set(assetId, driver);
        }
        return driver;
      },
      sshFor(address) {
        let runner = runners.get(address);
        if (runner === undefined) {
          const { host, port } = splitSshAddress(address);
          runner = new Ssh2Runner({
            host,
            port,
            username: deps.ssh.username,
            privateKey: deps.ssh.privateKey,
            connectTimeoutMs: deps.ssh.connectTimeoutMs,
            logger,
          });
          runners.set(address, runner);
        }
        return runner;
      },
      talosFor(clusterId, nodeIp) {
        const key = `${clusterId}/${nodeIp}`;
        let client = talos.get(key);
        if (client === undefined) {
          client = deps.secrets.document('talosconfig', clusterId).then((yaml) => {
            const identity = parseTalosconfig(yaml);
            const endpoint = `${nodeIp.includes(':') ? `[${nodeIp}]` : nodeIp}:${deps.talosApiPort}`;
            return createTalosClient({ endpoint, ca: identity.ca, cert: identity.crt, key: identity.key, logger });
          });
          client.catch(() => talos.delete(key));
          talos.set(key, client);
        }
        return client;
      },
      kubeconfigFor: (clusterId) => deps.secrets.document('kubeconfig', clusterId),
    };
    return {
      ctx,
      dispose: async () => {
        job.signal.removeEventListener('abort', onAbort);
        await closeAll();
      },
    };
  };
}

/** The function {@link createJobContextFactory} returns. */
export type JobContextFactory = ReturnType<typeof createJobContextFactory>;
