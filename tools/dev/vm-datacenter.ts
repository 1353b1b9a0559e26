/**
 * A site of the VM lab: QEMU machines behind ipmi_sim BMCs on a bridge in the lab's network
 * namespace, and the site's agent (the production entry point) running inside that namespace, where
 * its proxyDHCP, TFTP and HTTP boot services serve the machines and its API calls reach the host's
 * API through the lab's uplink (loopback and a Unix socket only).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Container } from '../../api/container.js';
import { checkVmSupport, type VmSupport } from '../../lab/vm/vm-support.js';
import type { Logger } from '../../shared/logger.js';
import { startVmLab, type VmLab } from '../../lab/vm/vm-lab-host.js';
import type { VmEvent } from '../../lab/vm/vm-server.js';
import { enrolLabServers, startLabAgent, type LabAgent } from './demo-datacenter.js';

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

/** The VM datacenter of `npm start -- --vm`: a site, its agent in the lab namespace, its VMs enrolled. */
export interface VmDemoDatacenter {
  siteId: string;
  site: VmSite;
  assetIds: string[];
  stop(): Promise<void>;
}

/**
 * Creates a site, starts the VM site for it and enrols every VM's BMC (which starts discovery), with
 * the same service calls `POST /api/v1/sites` and `POST /api/v1/assets` make. Thrown with the
 * reason when this machine cannot run VMs.
 */
export async function startVmDemoDatacenter(options: {
  container: Container;
  apiUrl: string;
  orgId: string;
  machines: number;
  dir: string;
  log: Logger;
}): Promise<VmDemoDatacenter> {
  const { container, log } = options;
  const support = await checkVmSupport();
  if (!support.ok) throw new Error(`the VM lab cannot run here: ${support.reason}`);
  log.info(
    { accel: support.accel, reason: support.accelReason },
    support.accel === 'kvm' ? 'VM lab: KVM' : 'VM lab: TCG (software emulation, slower)',
  );
  const { site: created, enrollmentToken } = await container.services.sites.create(options.orgId, {
    name: `vm-lab-${randomBytes(3).toString('hex')}`,
  });
  const site = await startVmSite({
    apiUrl: options.apiUrl,
    enrollmentToken,
    dir: options.dir,
    machines: options.machines,
    support,
    onEvent: (event) => log.info({ event }, `VM ${event.machine}: ${event.type}`),
  });
  try {
    const assetIds = await enrolLabServers(
      site.lab,
      async (body) => (await container.services.assets.enrol(options.orgId, body)).asset._id,
      created._id,
    );
    log.info(
      { siteId: created._id, netns: site.lab.labNetwork.netns, machines: site.lab.servers.length },
      'VM datacenter started; discovery running',
    );
    return { siteId: created._id, site, assetIds, stop: () => site.stop() };
  } catch (err) {
    await site.stop();
    throw err;
  }
}
