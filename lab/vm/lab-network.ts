/**
 * The VM lab's network: a provisioning namespace holding a bridge (the agent's address on it) and
 * one tap per machine, and beside it the site's DHCP namespace, plugged into the bridge by a veth,
 * where dnsmasq hands out addresses the way a datacenter's DHCP server does while the agent's
 * proxyDHCP only adds boot options. Nothing is added to the host's own namespace, and the
 * namespaces have no route anywhere: no packet of the lab can leave them.
 *
 * Namespaces are named `rp-lab-<pid>-<hex>` after the process that made them, so a later lab can
 * sweep those a killed process left behind (and the processes still running in them).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { whichSync } from '../../tools/devservices/find-binary.js';
import { startApiUplink, type ApiUplink } from './api-uplink.js';
import { startDhcpServer, type DhcpServer } from './dhcp-server.js';
import type { DhcpLease } from './dnsmasq-leases.js';
import { createNetns, deleteNetns, ipIn, listNetns, netnsPids, nsExec, probeNetnsSync } from './netns.js';

/** The provisioning subnet: private, and only ever inside the lab's namespaces. */
const AGENT_IP = '10.213.0.1';
const DHCP_SERVER_IP = '10.213.0.2';
const PREFIX = 24;
const DHCP_RANGE = { start: '10.213.0.100', end: '10.213.0.199' };
const BRIDGE = 'rpbr0';
const VETH_BRIDGE_SIDE = 'rpveth0';
const VETH_DHCP_SIDE = 'rpveth1';
const NAME_PATTERN = /^rp-lab-(\d+)-[0-9a-f]+(-dhcp)?$/;

/** A created lab network. */
export interface LabNetwork {
  /** The provisioning namespace: bridge, taps, the machines, the agent. */
  readonly netns: string;
  /** The site DHCP server's namespace. */
  readonly dhcpNetns: string;
  readonly bridge: string;
  /** The agent's address on the bridge. */
  readonly agentIp: string;
  readonly prefix: number;
  /** The DHCP server (its log shows every DISCOVER/OFFER/REQUEST/ACK). */
  readonly dhcp: DhcpServer;
  /** The tap device of machine `index`. */
  tapName(index: number): string;
  /** The argv that runs `argv` in the provisioning namespace. */
  nsExec(argv: readonly string[]): string[];
  /** The DHCP server's leases now. */
  leases(): Promise<DhcpLease[]>;
  /** An uplink from the provisioning namespace's loopback to `127.0.0.1:hostPort` of the host. */
  uplinkToHost(hostPort: number): Promise<ApiUplink>;
  /** PIDs of the processes the network started (dnsmasq, uplink forwarders). */
  pids(): number[];
  /** Stops what it started, kills anything left in its namespaces and deletes them. Idempotent. */
  destroy(): Promise<void>;
}

/** Whether this process can build the lab network (root, iproute2, dnsmasq, namespaces). */
export function labNetworkSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the VM lab needs root (network namespaces, taps)' };
  if (!whichSync('ip')) return { ok: false, reason: 'ip (iproute2) is missing' };
  if (!whichSync('dnsmasq'))
    return { ok: false, reason: 'dnsmasq is missing (Debian dnsmasq-base; npm run setup installs it)' };
  const failure = probeNetnsSync(`rp-probe-${process.pid}-${randomBytes(2).toString('hex')}`);
  return failure === undefined ? { ok: true } : { ok: false, reason: `network namespaces unavailable: ${failure}` };
}

/** Deletes lab namespaces whose creating process is gone, killing what still runs in them. */
export async function sweepStaleLabNetworks(): Promise<string[]> {
  const swept: string[] = [];
  for (const name of await listNetns()) {
    const match = NAME_PATTERN.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    await killAll(name);
    await deleteNetns(name);
    swept.push(name);
  }
  return swept;
}

/** Creates the namespaces, bridge, taps and DHCP server for `machines` machines. */
export async function createLabNetwork(options: { dir: string; machines: number }): Promise<LabNetwork> {
  if (!Number.isInteger(options.machines) || options.machines < 1 || options.machines > 99)
    throw new Error('machines must be between 1 and 99');
  await mkdir(options.dir, { recursive: true });
  await sweepStaleLabNetworks();
  const netns = `rp-lab-${process.pid}-${randomBytes(3).toString('hex')}`;
  const dhcpNetns = `${netns}-dhcp`;
  const tapName = (index: number): string => {
    if (!Number.isInteger(index) || index < 0 || index >= options.machines)
      throw new Error(`no tap for machine ${index}`);
    return `rptap${index}`;
  };
  const uplinks = new Set<ApiUplink>();
  let dhcp: DhcpServer | undefined;
  const destroy = async (): Promise<void> => {
    await Promise.allSettled([...uplinks].map((u) => u.close()));
    await dhcp?.stop();
    for (const name of [netns, dhcpNetns]) {
      await killAll(name).catch(() => undefined);
      await deleteNetns(name);
    }
  };
  try {
    await createNetns(netns);
    await createNetns(dhcpNetns);
    await ipIn(netns, ['link', 'set', 'lo', 'up']);
    await ipIn(dhcpNetns, ['link', 'set', 'lo', 'up']);
    // No STP and no forwarding delay: a port forwards the moment QEMU opens its tap, as on an
    // access switch port with portfast, so the firmware's first DHCPDISCOVER is not lost.
    await ipIn(netns, ['link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    await ipIn(netns, ['addr', 'add', `${AGENT_IP}/${PREFIX}`, 'dev', BRIDGE]);
    await ipIn(netns, ['link', 'set', BRIDGE, 'up']);
    for (let i = 0; i < options.machines; i++) {
      await ipIn(netns, ['tuntap', 'add', 'dev', tapName(i), 'mode', 'tap']);
      await ipIn(netns, ['link', 'set', tapName(i), 'master', BRIDGE, 'up']);
    }
    await ipIn(netns, ['link', 'add', VETH_BRIDGE_SIDE, 'type', 'veth', 'peer', 'name', VETH_DHCP_SIDE]);
    await ipIn(netns, ['link', 'set', VETH_DHCP_SIDE, 'netns', dhcpNetns]);
    await ipIn(netns, ['link', 'set', VETH_BRIDGE_SIDE, 'master', BRIDGE, 'up']);
    await ipIn(dhcpNetns, ['addr', 'add', `${DHCP_SERVER_IP}/${PREFIX}`, 'dev', VETH_DHCP_SIDE]);
    await ipIn(dhcpNetns, ['link', 'set', VETH_DHCP_SIDE, 'up']);
    dhcp = await startDhcpServer({
      dir: options.dir,
      interface: VETH_DHCP_SIDE,
      range: DHCP_RANGE,
      netmask: '255.255.255.0',
      nsExec: (argv) => nsExec(dhcpNetns, argv),
    });
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
  const server = dhcp;
  let destroying: Promise<void> | undefined;
  return {
    netns,
    dhcpNetns,
    bridge: BRIDGE,
    agentIp: AGENT_IP,
    prefix: PREFIX,
    dhcp: server,
    tapName,
    nsExec: (argv) => nsExec(netns, argv),
    leases: () => server.leases(),
    uplinkToHost: async (hostPort) => {
      const uplink = await startApiUplink({ hostPort, dir: options.dir, nsExec: (argv) => nsExec(netns, argv) });
      uplinks.add(uplink);
      return uplink;
    },
    pids: () => [server.pid, ...[...uplinks].map((u) => u.pid)],
    destroy: () => (destroying ??= destroy()),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function killAll(ns: string): Promise<void> {
  if (!(await listNetns()).includes(ns)) return;
  for (const pid of await netnsPids(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
