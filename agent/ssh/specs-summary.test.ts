import { describe, expect, it } from 'vitest';
import { formatDiskSize, summarizeSpecs, type Inventory } from '../../shared/inventory.js';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { parseLsblk, parseLscpu, parseMeminfo } from './inventory-parsers.js';

function inventoryFrom(lsblk: string, lscpu: string, meminfo: string): Inventory {
  return {
    cpu: parseLscpu(sshFixture(lscpu)),
    memory: { totalBytes: parseMeminfo(sshFixture(meminfo)) },
    disks: parseLsblk(sshFixture(lsblk)),
    nics: [],
    dmi: { vendor: null, product: null, serial: null },
  };
}

describe('summarizeSpecs (Colony specs strings)', () => {
  it('summarizes a dual-socket server with NVMe, SSD and HDD', () => {
    expect(summarizeSpecs(inventoryFrom('lsblk-server.json', 'lscpu-server.json', 'meminfo-server.txt'))).toEqual({
      cpu: '2x Intel Xeon Gold 6338',
      ram: '512GB',
      disk: '2x 1.92TB NVMe, 960GB SSD, 4TB HDD',
    });
  });

  it('drops the core-count suffix of AMD model names and rounds MemTotal up to the installed size', () => {
    const inv = inventoryFrom('lsblk-legacy.json', 'lscpu-nested.json', 'meminfo-host.txt');
    expect(summarizeSpecs(inv)).toEqual({ cpu: 'AMD EPYC 7543', ram: '24GB', disk: '480GB SSD, 8TB HDD' });
    inv.memory.totalBytes = 65_843_232 * 1024; // MemTotal of a 64 GiB machine
    expect(summarizeSpecs(inv).ram).toBe('64GB');
  });

  it('formats sizes the way vendors label drives', () => {
    expect(formatDiskSize(1000204886016)).toBe('1TB');
    expect(formatDiskSize(3840755982336)).toBe('3.84TB');
    expect(formatDiskSize(960197124096)).toBe('960GB');
    expect(formatDiskSize(268435456)).toBe('268MB');
  });

  it('says none when the machine has no disk', () => {
    const inv = inventoryFrom('lsblk-server.json', 'lscpu-host.json', 'meminfo-host.txt');
    inv.disks = [];
    expect(summarizeSpecs(inv).disk).toBe('none');
  });
});
