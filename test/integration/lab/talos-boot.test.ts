import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpmitoolBmcDriver } from '../../../agent/bmc/ipmitool-driver.js';
import { createTalosClient } from '../../../agent/talos/talos-client.js';
import { readTalosInstall } from '../../../lab/machine/talos-install.js';
import { ipmiBmcOf } from '../../../lab/lab.js';
import {
  generateMachineConfigs,
  generateSecretsBundle,
  generateTalosconfig,
  validateClusterInput,
  type TalosClusterInput,
  type TalosSecretsBundle,
} from '../../../shared/talos/index.js';
import { startLabHarness, type LabHarness } from './lab-harness.js';

// Node IPs of their own, so this file never shares a Talos/Kubernetes port with another test file.
const CP_IP = '127.10.0.201';
const WORKER_IP = '127.10.0.202';

let h: LabHarness;
let bundle: TalosSecretsBundle;
let identity: { ca: string; cert: string; key: string };

beforeAll(async () => {
  bundle = await generateSecretsBundle();
  h = await startLabHarness({
    machines: 2,
    fullPxe: true,
    delays: { post: 50, boot: 50, install: 100 },
  });
  const [cp, worker] = h.lab.servers as [(typeof h.lab.servers)[0], (typeof h.lab.servers)[0]];
  const input: TalosClusterInput = {
    clusterName: 'lab-it',
    gateway: h.lab.network.gateway,
    kubernetesVersion: '1.33.3',
    talosVersion: 'v1.11.0',
    nodes: [
      {
        role: 'controlplane',
        hostname: 'cp-1',
        ip: CP_IP,
        prefix: 24,
        mac: cp.macs[0],
        installDisk: { serial: cp.disks[0]!.serial },
      },
      {
        role: 'worker',
        hostname: 'w-1',
        ip: WORKER_IP,
        prefix: 24,
        mac: worker.macs[0],
        installDisk: { wwn: worker.disks[1]!.wwn! },
      },
    ],
  };
  const configs = generateMachineConfigs(input, bundle);
  const talosconfig = await generateTalosconfig(validateClusterInput(input), bundle);
  identity = { ca: bundle.certs.os.crt, cert: talosconfig.client.crt, key: talosconfig.client.key };
  for (const [i, server] of [cp, worker].entries()) {
    h.boot.machineConfigs.set(`asset-${server.name}`, configs[i]!.yaml);
    h.boot.plans.register(server.macs[0]!, {
      kind: 'talos',
      jobId: `job-${server.name}`,
      assetId: `asset-${server.name}`,
      talos: { version: 'v1.11.0', configUrlToken: `token-${server.name}-abcdefghijklmnopqrstuvwxyz` },
    });
  }
});
afterAll(async () => {
  await h?.close();
});

const driverFor = (index: number): IpmitoolBmcDriver => {
  const bmc = ipmiBmcOf(h.lab.servers[index]!);
  return new IpmitoolBmcDriver(
    { host: bmc.address, port: bmc.port, username: bmc.username, password: bmc.password, cipherSuite: bmc.cipherSuite },
    { powerPoll: { timeoutMs: 5_000, intervalMs: 200 } },
  );
};

describe('lab virtual server: Talos over the full PXE chain', () => {
  it('installs Talos to the selected disk and answers Version over mTLS on its node IP, control plane and worker', async () => {
    for (const [index, ip] of [
      [0, CP_IP],
      [1, WORKER_IP],
    ] as const) {
      const driver = driverFor(index);
      await driver.setBootDevice('pxe', { once: true, efi: true });
      await driver.powerOn();
      const server = h.lab.server(h.lab.servers[index]!.name);
      await server.waitForPhase('talos', 20_000);
      expect(server.history.map((e) => e.phase)).toEqual(['post', 'pxe', 'installing', 'talos']);

      const client = createTalosClient({ endpoint: `${ip}:50000`, ...identity });
      try {
        expect(await client.version()).toMatchObject({ tag: 'v1.11.0', platform: { name: 'metal' } });
      } finally {
        client.close();
      }
      await driver.close();
    }
    expect(
      h.boot.events
        .filter((e) => e.type === 'config-fetched')
        .map((e) => e.assetId)
        .sort(),
    ).toEqual(h.lab.servers.map((s) => `asset-${s.name}`).sort());
    const cp = h.lab.server(h.lab.servers[0]!.name);
    const worker = h.lab.server(h.lab.servers[1]!.name);
    // The worker's config has no OS CA key: its API certificate came from the control plane's trustd.
    expect(worker.talos?.config.osCa.keyPem).toBe('');
    expect(cp.talos?.trustd?.issued).toBe(1);
    expect(await readTalosInstall(cp.diskFile('nvme0n1'))).toBe(h.boot.machineConfigs.get(`asset-${cp.spec.name}`));
    expect(await readTalosInstall(cp.diskFile('sda'))).toBeUndefined();
    expect(await readTalosInstall(worker.diskFile('sda'))).toContain('type: worker');
    expect(await readTalosInstall(worker.diskFile('nvme0n1'))).toBeUndefined();
  });

  it('stops Talos on power off and boots it again from disk on power on, the one-time PXE override used up', async () => {
    const driver = driverFor(0);
    const server = h.lab.server(h.lab.servers[0]!.name);
    await driver.powerOff();
    await server.waitForPhase('off', 10_000);
    const client = createTalosClient({ endpoint: `${CP_IP}:50000`, ...identity, callTimeoutMs: 1_000 });
    await expect(client.version()).rejects.toThrow();
    client.close();

    const configFetches = h.boot.events.filter((e) => e.type === 'config-fetched').length;
    await driver.powerOn();
    await server.waitForPhase('talos', 20_000);
    expect(server.chassis().lastBootDevice).toBe('disk');
    const again = createTalosClient({ endpoint: `${CP_IP}:50000`, ...identity });
    try {
      expect((await again.version()).tag).toBe('v1.11.0');
    } finally {
      again.close();
    }
    expect(h.boot.events.filter((e) => e.type === 'config-fetched')).toHaveLength(configFetches);
    await driver.close();
  });
});
