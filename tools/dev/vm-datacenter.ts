/**
 * A site of the VM lab: QEMU machines behind ipmi_sim BMCs on a bridge in the lab's network
 * namespace, and the site's agent (the production entry point) running inside that namespace, where
 * its proxyDHCP, TFTP and HTTP boot services serve the machines and its API calls reach the host's
 * API through the lab's uplink (loopback and a Unix socket only).
 */
import { join } from 'node:path';
import type { VmSupport } from '../../lab/vm/vm-support.js';
import { startVmLab, type VmLab } from '../../lab/vm/vm-lab-host.js';
import type { VmEvent } from '../../lab/vm/vm-server.js';
import { startLabAgent, type LabAgent } from './demo-datacenter.js';

/** A running VM site. */
export interface VmSite {
  lab: VmLab;
  agent: LabAgent;
  /** Stops the agent, then the machines and the network. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `machines` VMs (powered off) and the site agent that boots them. */
export async function startVmSite(options: {
  apiUrl: string;
  enrollmentToken: string;
  dir: string;
  machines: number;
  support: Extract<VmSupport, { ok: true }>;
  firmware?: 'bios' | 'uefi';
  onEvent?: (event: VmEvent) => void;
}): Promise<VmSite> {
  const { support } = options;
  const lab = await startVmLab({
    machines: options.machines,
    dir: join(options.dir, 'vm-lab'),
    accel: support.accel,
    firmware: options.firmware,
    ovmf: support.ovmf,
    onEvent: options.onEvent,
  });
  let agent: LabAgent;
  try {
    const uplink = await lab.labNetwork.uplinkToHost(Number(new URL(options.apiUrl).port));
    agent = await startLabAgent({
      apiUrl: uplink.url,
      enrollmentToken: options.enrollmentToken,
      dir: options.dir,
      provisioning: {
        nsExec: (argv) => lab.labNetwork.nsExec(argv),
        serverIp: lab.labNetwork.agentIp,
        utilityImage: support.utilityImage,
        ipxeFiles: support.ipxeFiles,
      },
    });
  } catch (err) {
    await lab.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    lab,
    agent,
    stop: () =>
      (stopping ??= (async () => {
        await agent.stop();
        await lab.stop();
      })()),
  };
}
