import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryCommands } from '../../../agent/ssh/commands.js';
import { collectInventory } from '../../../agent/ssh/inventory.js';
import { summarizeSpecs } from '../../../shared/inventory.js';
import { startLab, type Lab } from './lab-harness.js';

describe('SSH inventory against the lab utility OS (ssh2 client ↔ ssh2 server)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.cleanup();
  });

  it('collects CPU, memory, disks with identity, NICs with speed, DMI and BMC', async () => {
    const runner = lab.runner();
    const inventory = await collectInventory(runner);
    expect(inventory.cpu).toEqual({
      model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
      cores: 64,
      threads: 128,
      sockets: 2,
    });
    expect(inventory.memory.totalBytes).toBe(527951872 * 1024);
    expect(inventory.disks.map((d) => [d.path, d.serial, d.wwn, d.transport, d.rotational])).toEqual([
      ['/dev/nvme0n1', 'S64GNE0R812345', 'eui.36344730528123450025384500000001', 'nvme', false],
      ['/dev/sda', '2140311A2B3C', '0x500a07512a3b4c5d', 'sata', false],
      ['/dev/sdb', 'WJG1A2B3', '0x5000c500d1e2f3a4', 'sata', true],
    ]);
    expect(inventory.nics).toEqual([
      { name: 'eno1', mac: 'b4:96:91:a1:b2:c0', speedMbps: 1000, state: 'up' },
      { name: 'eno2', mac: 'b4:96:91:a1:b2:c1', speedMbps: null, state: 'down' },
      { name: 'ens2f0np0', mac: '0c:42:a1:5e:6f:70', speedMbps: 25000, state: 'up' },
    ]);
    expect(inventory.dmi).toEqual({ vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: '7XH2KL3' });
    expect(inventory.bmc).toEqual({ ipAddress: '127.10.0.15', mac: 'b4:96:91:a1:b2:c4' });
    expect(summarizeSpecs(inventory)).toEqual({
      cpu: '2x Intel Xeon Gold 6338',
      ram: '512GB',
      disk: '134MB NVMe, 84MB SSD, 101MB HDD',
    });
    expect(runner.hostKeyFingerprint).toBe(lab.server.hostKeyFingerprint);
  });

  it('runs exactly the documented inventory commands, all read-only', async () => {
    const before = lab.server.commandLog.length;
    await collectInventory(lab.runner());
    expect(lab.server.commandLog.slice(before)).toEqual(Object.values(InventoryCommands));
  });

  it('answers an unknown command like bash, with exit 127', async () => {
    const result = await lab.runner().exec('smartctl -a /dev/sda');
    expect(result).toEqual({ code: 127, stdout: '', stderr: 'bash: line 1: smartctl: command not found\n' });
  });

  it('refuses shell syntax instead of guessing at it', async () => {
    const result = await lab.runner().exec('cat /proc/meminfo | head -1');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('shell syntax is not emulated');
  });
});
