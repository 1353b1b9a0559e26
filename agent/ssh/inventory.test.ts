import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { InventoryCommands } from './commands.js';
import { SshCommandError } from './errors.js';
import { FakeSshRunner } from './fake-ssh-runner.js';
import { collectInventory } from './inventory.js';

function serverRunner(): FakeSshRunner {
  return new FakeSshRunner({
    [InventoryCommands.lsblk]: { stdout: sshFixture('lsblk-server.json') },
    [InventoryCommands.lscpu]: { stdout: sshFixture('lscpu-server.json') },
    [InventoryCommands.meminfo]: { stdout: sshFixture('meminfo-server.txt') },
    [InventoryCommands.ipLink]: { stdout: sshFixture('ip-link-server.json') },
    [InventoryCommands.nicSpeeds]: {
      code: 2,
      stdout: sshFixture('nic-speed-server.txt'),
      stderr: sshFixture('nic-speed-server.stderr.txt'),
    },
    [InventoryCommands.dmiVendor]: { stdout: sshFixture('dmidecode-vendor-server.txt') },
    [InventoryCommands.dmiProduct]: { stdout: sshFixture('dmidecode-product-server.txt') },
    [InventoryCommands.dmiSerial]: { stdout: sshFixture('dmidecode-serial-server.txt') },
    [InventoryCommands.bmcLan]: { stdout: sshFixture('ipmitool-lan-print.txt') },
  });
}

describe('collectInventory', () => {
  it('collects CPU, memory, disks, NICs with speeds, DMI and BMC', async () => {
    const inv = await collectInventory(serverRunner());
    expect(inv.cpu).toEqual({ model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', cores: 64, threads: 128, sockets: 2 });
    expect(inv.memory.totalBytes).toBe(527951872 * 1024);
    expect(inv.disks).toHaveLength(4);
    expect(inv.nics.find((n) => n.name === 'eno1')).toEqual({
      name: 'eno1',
      mac: 'b4:96:91:a1:b2:c0',
      speedMbps: 1000,
      state: 'up',
    });
    expect(inv.dmi).toEqual({ vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: '7XH2KL3' });
    expect(inv.bmc).toEqual({ ipAddress: '10.20.0.15', mac: 'b4:96:91:a1:b2:c4' });
  });

  it('leaves the BMC out when the utility OS has no IPMI device', async () => {
    const runner = serverRunner().on(InventoryCommands.bmcLan, {
      code: 1,
      stderr: sshFixture('ipmitool-no-device.stderr.txt'),
    });
    expect((await collectInventory(runner)).bmc).toBeUndefined();
  });

  it('fails with SshCommandError when lsblk fails', async () => {
    const runner = serverRunner().on(InventoryCommands.lsblk, {
      code: 32,
      stderr: 'lsblk: failed to access sysfs directory: /sys/dev/block',
    });
    await expect(collectInventory(runner)).rejects.toBeInstanceOf(SshCommandError);
  });
});
