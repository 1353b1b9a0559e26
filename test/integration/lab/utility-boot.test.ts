import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ssh2Runner } from '../../../agent/ssh/ssh2-runner.js';
import { collectInventory } from '../../../agent/ssh/inventory.js';
import { ipmitool, startLabHarness, type LabHarness } from './lab-harness.js';

let h: LabHarness;
beforeAll(async () => {
  h = await startLabHarness({ machines: 3, faults: { 'lab-03': { neverBoots: true } } });
});
afterAll(async () => {
  await h?.close();
});

const planUtility = (name: string): void => {
  const info = h.lab.servers.find((s) => s.name === name);
  for (const mac of info?.macs.slice(0, 1) ?? []) {
    h.boot.plans.register(mac, { kind: 'utility', jobId: `job-${name}`, assetId: `asset-${name}` });
  }
};

describe('lab virtual server: utility OS over real IPMI, PXE and SSH', () => {
  it('boots the utility OS on ipmitool bootdev pxe + power on, says hello, serves its disks over SSH, stops on power off', async () => {
    const info = h.lab.servers[0]!;
    const server = h.lab.server(info.name);
    expect(info.bmc.address).toBe('127.20.0.2');
    planUtility(info.name);

    expect(await ipmitool(info.bmc, ['chassis', 'bootdev', 'pxe'])).toMatch(/Set Boot Device to pxe/);
    expect(await ipmitool(info.bmc, ['chassis', 'power', 'on'])).toMatch(/Up\/On/);
    await server.waitForPhase('utility', 20_000);

    const hello = h.boot.events.find((e) => e.type === 'utility-ready' && e.mac === info.macs[0]);
    expect(hello).toMatchObject({ assetId: `asset-${info.name}`, bmcAddress: '127.20.0.2' });
    expect(hello?.address).toBe(server.sshAddress);
    expect(h.boot.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['ipxe-served', 'artifact-served', 'utility-ready']),
    );

    const [host, port] = (hello?.address ?? '').split(':');
    const runner = new Ssh2Runner({
      host: host!,
      port: Number(port),
      username: 'root',
      privateKey: h.boot.agentKey.privateKey,
    });
    try {
      const inventory = await collectInventory(runner);
      expect(inventory.disks.map((d) => d.serial).sort()).toEqual(info.disks.map((d) => d.serial).sort());
      expect(inventory.nics.map((n) => n.mac)).toEqual(expect.arrayContaining(info.macs));
      expect(inventory.dmi.vendor).toBe(server.spec.dmi.vendor);
    } finally {
      await runner.close();
    }

    expect(await ipmitool(info.bmc, ['chassis', 'power', 'off'])).toMatch(/Down\/Off/);
    await server.waitForPhase('off', 10_000);
    expect(server.sshAddress).toBeUndefined();
    await expect(
      new Ssh2Runner({
        host: host!,
        port: Number(port),
        username: 'root',
        privateKey: h.boot.agentKey.privateKey,
        connectTimeoutMs: 2_000,
      }).connect(),
    ).rejects.toThrow();
  });

  it('boots from disk (nothing installed) when the boot device is not PXE, and never says hello', async () => {
    const info = h.lab.servers[1]!;
    planUtility(info.name);
    await ipmitool(info.bmc, ['chassis', 'power', 'on']);
    await h.lab.server(info.name).waitForPhase('no-boot-device', 10_000);
    expect(h.boot.events.filter((e) => e.mac === info.macs[0])).toEqual([]);
    await ipmitool(info.bmc, ['chassis', 'power', 'off']);
  });

  it('a server with the never-boots fault powers on but never PXE-boots or says hello', async () => {
    const info = h.lab.servers[2]!;
    planUtility(info.name);
    await ipmitool(info.bmc, ['chassis', 'bootdev', 'pxe']);
    await ipmitool(info.bmc, ['chassis', 'power', 'on']);
    await h.lab.server(info.name).waitForPhase('hung', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await ipmitool(info.bmc, ['chassis', 'power', 'status'])).toMatch(/is on/);
    expect(h.boot.events.filter((e) => e.mac === info.macs[0])).toEqual([]);
    await ipmitool(info.bmc, ['chassis', 'power', 'off']);
  });

  it('a power cycle with a persistent PXE override boots the utility OS afresh, on a new SSH server', async () => {
    const info = h.lab.servers[1]!;
    const server = h.lab.server(info.name);
    await ipmitool(info.bmc, ['chassis', 'bootdev', 'pxe', 'options=persistent']);
    await ipmitool(info.bmc, ['chassis', 'power', 'on']);
    await server.waitForPhase('utility', 20_000);
    const first = server.sshAddress;
    const posts = server.history.filter((e) => e.phase === 'post').length;

    expect(await ipmitool(info.bmc, ['chassis', 'power', 'cycle'])).toMatch(/Cycle/);
    // The new boot may be past POST before the cycle command even returns: watch the history, not the phase.
    const deadline = Date.now() + 20_000;
    while (!(server.phase === 'utility' && server.history.filter((e) => e.phase === 'post').length > posts)) {
      if (Date.now() > deadline) throw new Error(`no second boot: ${JSON.stringify(server.history)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(server.history.filter((e) => e.phase === 'post')).toHaveLength(posts + 1);
    expect(server.sshAddress).not.toBe(first);
    expect(h.boot.events.filter((e) => e.type === 'utility-ready' && e.mac === info.macs[0])).toHaveLength(2);
    await ipmitool(info.bmc, ['chassis', 'power', 'off']);
    await server.waitForPhase('off', 10_000);
  });
});
