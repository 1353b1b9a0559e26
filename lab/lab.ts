/**
 * The simulated datacenter (`rackpilot lab`): N virtual servers, each with a real BMC (IPMI, or
 * Redfish for the machines asked) on its own loopback address, booting from the agent's boot server, plus the loopback subnet the
 * lab's clusters use. Everything listens on loopback; nothing connects anywhere else.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { defaultServerSpec, type VirtualServerFaults } from './machine/machine-spec.js';
import { startVirtualServer, type VirtualBmc, type VirtualServer } from './machine/virtual-server.js';
import { assertLoopbackUrl } from './machine/utility-boot.js';

/** The loopback subnet cluster node IPs come from. */
export const LAB_SUBNET = '127.10.0.0/24';
/** The (nominal) gateway of {@link LAB_SUBNET}. */
export const LAB_GATEWAY = '127.10.0.1';

/** Options of {@link startLab}. */
export interface LabOptions {
  machines: number;
  /** The agent's boot HTTP server (loopback). */
  bootServerUrl: string;
  /** The agent's proxyDHCP, when machines should ask it first (as PXE firmware does). */
  dhcp?: { host: string; port: number };
  /** The agent's TFTP server, when machines should load iPXE over TFTP first. */
  tftp?: { host: string; port: number };
  /** Milliseconds of POST, OS boot and Talos install; all 0 by default. */
  delays?: { post?: number; boot?: number; install?: number };
  /** Faults by machine name (`lab-02`) or 0-based index. */
  faults?: Record<string, VirtualServerFaults>;
  /** Machines (names or 0-based indexes, or `all`) whose BMC speaks Redfish instead of IPMI. */
  redfish?: readonly (string | number)[] | 'all';
  /** Absolute directory for disks and BMC state; a fresh temp dir (removed on stop) by default. */
  dir?: string;
  /** Size of each disk file (sparse); default 64 MiB. */
  diskSizeBytes?: number;
}

type WithoutPid<T> = T extends unknown ? Omit<T, 'pid'> : never;
/** How an operator reaches one lab BMC: IPMI (cipher suite 3) or Redfish (pin its fingerprint). */
export type LabBmcInfo = WithoutPid<VirtualBmc>;
export type LabIpmiBmc = Extract<LabBmcInfo, { protocol: 'ipmi' }>;

/** The BMC as IPMI; thrown for a Redfish one (callers that drive ipmitool). */
export function ipmiBmcOf(server: Pick<LabServerInfo, 'name' | 'bmc'>): LabIpmiBmc {
  if (server.bmc.protocol !== 'ipmi') throw new Error(`${server.name}'s BMC speaks ${server.bmc.protocol}, not IPMI`);
  return server.bmc;
}

/** What an operator enrols for one server (with the wrong password when that fault is set). */
export interface LabServerInfo {
  name: string;
  bmc: LabBmcInfo;
  macs: string[];
  disks: { name: string; serial: string; wwn: string | null; sizeBytes: number; model: string }[];
}

/**
 * What every lab backend offers (the simulated one here, the QEMU one in `vm/`): the servers to
 * enrol, the network clusters get addresses from, every PID it started, and one stop.
 */
export interface LabView {
  servers: LabServerInfo[];
  network: { subnet: string; gateway: string; freeIps: string[] };
  dir: string;
  /** PIDs of every process the lab started. */
  pids(): number[];
  /** Stops every process the lab started, by PID, and removes what it created. Idempotent. */
  stop(): Promise<void>;
}

/** A running simulated lab. */
export interface Lab extends LabView {
  /** The running virtual server named `name`. Thrown when there is none. */
  server(name: string): VirtualServer;
}

/** Free node IPs handed out: 127.10.0.10 onwards, two per machine plus room for VIPs. */
function freeIps(machines: number): string[] {
  const count = Math.min(240, machines * 2 + 8);
  return Array.from({ length: count }, (_, i) => `127.10.0.${10 + i}`);
}

/** Starts a lab of `machines` servers, all powered off, and resolves once every BMC answers. */
export async function startLab(options: LabOptions): Promise<Lab> {
  if (!Number.isInteger(options.machines) || options.machines < 1 || options.machines > 200)
    throw new Error('machines must be between 1 and 200');
  assertLoopbackUrl(options.bootServerUrl);
  for (const endpoint of [options.dhcp, options.tftp]) {
    if (endpoint && !endpoint.host.startsWith('127.')) throw new Error(`lab: ${endpoint.host} is not loopback`);
  }
  if (options.dir !== undefined && !isAbsolute(options.dir)) throw new Error('dir must be absolute');
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'rackpilot-lab-')));
  const faultsOf = (index: number, name: string): VirtualServerFaults =>
    options.faults?.[name] ?? options.faults?.[String(index)] ?? {};
  const speaksRedfish = (index: number, name: string): boolean =>
    options.redfish === 'all' || (options.redfish ?? []).some((m) => m === index || m === name || m === String(index));

  const started = await Promise.allSettled(
    Array.from({ length: options.machines }, (_, index) => {
      const name = defaultServerSpec(index).name;
      const faults = faultsOf(index, name);
      const spec = defaultServerSpec(index, { diskSizeBytes: options.diskSizeBytes, faults });
      return startVirtualServer({
        spec,
        dir: join(dir, spec.name),
        faults,
        bmcProtocol: speaksRedfish(index, name) ? 'redfish' : 'ipmi',
        network: { bootServerUrl: options.bootServerUrl, dhcp: options.dhcp, tftp: options.tftp },
        delays: { postMs: options.delays?.post, bootMs: options.delays?.boot, installMs: options.delays?.install },
      });
    }),
  );
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const removeDir = async (): Promise<void> => {
    if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    await removeDir();
    throw failed.reason;
  }

  let stopping: Promise<void> | undefined;
  return {
    dir,
    servers: servers.map((server, index) => ({
      name: server.spec.name,
      bmc: enrolledBmc(server.bmc, faultsOf(index, server.spec.name).wrongPassword === true),
      macs: server.spec.nics.map((n) => n.mac),
      disks: server.spec.disks.map(({ name, serial, wwn, sizeBytes, model }) => ({
        name,
        serial,
        wwn,
        sizeBytes,
        model,
      })),
    })),
    network: { subnet: LAB_SUBNET, gateway: LAB_GATEWAY, freeIps: freeIps(options.machines) },
    server: (name) => {
      const found = servers.find((s) => s.spec.name === name);
      if (!found) throw new Error(`no lab server ${name}`);
      return found;
    },
    pids: () => servers.map((s) => s.bmc.pid),
    stop: () =>
      (stopping ??= (async () => {
        await Promise.allSettled(servers.map((s) => s.stop()));
        await removeDir();
      })()),
  };
}

/** What an operator is given for a BMC: no PID, and a wrong password when that fault is set. */
function enrolledBmc(bmc: VirtualBmc, wrongPassword: boolean): LabBmcInfo {
  const { pid: _pid, ...info } = bmc;
  return { ...info, password: wrongPassword ? `${bmc.password}-x` : bmc.password };
}
