/**
 * Starts a lab utility OS (real ssh2 server over file disks in a temp dir) with a typical server's
 * hardware, and builds the agent's production `Ssh2Runner` for it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ssh2Runner } from '../../../agent/ssh/ssh2-runner.js';
import type { LabDiskSpec, LabMachineSpec } from '../../../lab/utility-os/types.js';
import { startUtilityOsServer, type UtilityOsServer } from '../../../lab/utility-os/utility-os-server.js';
import { MIB } from './disk-content.js';
import { generateSshKeyPair } from '../../../shared/ssh-key-pair.js';

export const NVME: LabDiskSpec = {
  name: 'nvme0n1',
  sizeBytes: 128 * MIB,
  model: 'SAMSUNG MZQL21T9HCJR-00A07',
  serial: 'S64GNE0R812345',
  wwn: 'eui.36344730528123450025384500000001',
  rotational: false,
  transport: 'nvme',
};
export const SSD: LabDiskSpec = {
  name: 'sda',
  sizeBytes: 80 * MIB,
  model: 'Micron_5300_MTFDDAK960TDS',
  serial: '2140311A2B3C',
  wwn: '0x500a07512a3b4c5d',
  rotational: false,
  transport: 'sata',
  ataSecurity: 'frozen',
};
export const HDD: LabDiskSpec = {
  name: 'sdb',
  sizeBytes: 96 * MIB,
  model: 'ST4000NM002A-2HZ101',
  serial: 'WJG1A2B3',
  wwn: '0x5000c500d1e2f3a4',
  rotational: true,
  transport: 'sata',
};

export const SERVER: Omit<LabMachineSpec, 'disks'> = {
  cpu: { model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', sockets: 2, coresPerSocket: 32, threadsPerCore: 2 },
  memoryBytes: 527951872 * 1024,
  nics: [
    { name: 'eno1', mac: 'b4:96:91:a1:b2:c0', speedMbps: 1000, up: true },
    { name: 'eno2', mac: 'b4:96:91:a1:b2:c1', speedMbps: 1000, up: false },
    { name: 'ens2f0np0', mac: '0c:42:a1:5e:6f:70', speedMbps: 25000, up: true },
  ],
  dmi: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: '7XH2KL3' },
  bmc: { ipAddress: '127.10.0.15', mac: 'b4:96:91:a1:b2:c4' },
};

export interface Lab {
  server: UtilityOsServer;
  dir: string;
  /** The agent's key pair; `privateKeyFile` is a 0600 file for the OpenSSH client. */
  privateKey: string;
  publicKey: string;
  privateKeyFile: string;
  runner(pinnedHostKey?: string): Ssh2Runner;
  cleanup(): Promise<void>;
}

/** Starts a lab machine with the given disks (default NVMe + SATA SSD + HDD). */
export async function startLab(
  options: {
    disks?: LabDiskSpec[];
    hostKey?: string;
    port?: number;
    agentKey?: { private: string; public: string };
  } = {},
): Promise<Lab> {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-utility-os-'));
  const keys = options.agentKey ?? generateSshKeyPair();
  const privateKeyFile = join(dir, 'agent_key');
  await writeFile(privateKeyFile, keys.private, { mode: 0o600 });
  const server = await startUtilityOsServer({
    ...SERVER,
    disks: options.disks ?? [NVME, SSD, HDD],
    dir,
    authorizedKey: keys.public,
    hostKey: options.hostKey,
    port: options.port,
  });
  const runners: Ssh2Runner[] = [];
  return {
    server,
    dir,
    privateKey: keys.private,
    publicKey: keys.public,
    privateKeyFile,
    runner: (pinnedHostKey) => {
      const runner = new Ssh2Runner({
        host: server.host,
        port: server.port,
        username: 'root',
        privateKey: keys.private,
        pinnedHostKey,
      });
      runners.push(runner);
      return runner;
    },
    cleanup: async () => {
      await Promise.all(runners.map((r) => r.close()));
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
