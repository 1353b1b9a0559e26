import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import {
  parseDmiValue,
  parseIpLink,
  parseIpmiLan,
  parseLsblk,
  parseLscpu,
  parseMeminfo,
  parseNicSpeeds,
} from './inventory-parsers.js';
import { UnexpectedOutputError } from './errors.js';

describe('parseLsblk', () => {
  it('keeps whole disks with identity and drops partitions, ROMs and zero-size zram (server)', () => {
    const disks = parseLsblk(sshFixture('lsblk-server.json'));
    expect(disks.map((d) => d.name)).toEqual(['sda', 'sdb', 'nvme0n1', 'nvme1n1']);
    expect(disks[0]).toEqual({
      name: 'sda',
      path: '/dev/sda',
      sizeBytes: 960197124096,
      model: 'Micron_5300_MTFDDAK960TDS',
      serial: '2140311A2B3C',
      wwn: '0x500a07512a3b4c5d',
      rotational: false,
      transport: 'sata',
      type: 'disk',
    });
    expect(disks[1]).toMatchObject({ rotational: true, sizeBytes: 4000787030016, serial: 'WJG1A2B3' });
    expect(disks[2]).toMatchObject({ transport: 'nvme', wwn: 'eui.36344730528123450025384500000001' });
  });

  it('reads the string-typed output of util-linux 2.32 and drops loop devices', () => {
    const disks = parseLsblk(sshFixture('lsblk-legacy.json'));
    expect(disks.map((d) => [d.name, d.sizeBytes, d.rotational, d.transport])).toEqual([
      ['sda', 480103981056, false, 'sata'],
      ['sdb', 8001563222016, true, 'sas'],
    ]);
  });

  it('reads this machine’s virtio disk with null identity and skips its empty zram', () => {
    const disks = parseLsblk(sshFixture('lsblk-host.json'));
    expect(disks).toEqual([
      expect.objectContaining({
        name: 'vda',
        sizeBytes: 274877906944,
        model: null,
        serial: null,
        wwn: null,
        transport: null,
      }),
    ]);
  });

  it('reads a QEMU VM of the VM lab: SATA serial and WWN, the NVMe namespace id as its WWN', () => {
    expect(parseLsblk(sshFixture('qemu-lsblk.json'))).toEqual([
      expect.objectContaining({
        name: 'sda',
        model: 'RPLAB-SATA',
        serial: 'RPSATA0001',
        wwn: '0x5000c500a1b2c3d4',
        transport: 'sata',
      }),
      expect.objectContaining({
        name: 'nvme0n1',
        model: 'QEMU NVMe Ctrl',
        serial: 'RPNVME0001',
        wwn: 'nvme.1b36-52504e564d4530303031-51454d55204e564d65204374726c-00000001',
        transport: 'nvme',
      }),
    ]);
  });

  it('trims the space-padded identity the kernel gives without udev, and leaves the SATA serial unknown', () => {
    // Real lsblk without udevd: the ATA serial and WWN come only from udev's database, the NVMe
    // serial and both models straight from sysfs, padded to their field widths.
    const [sata, nvme] = parseLsblk(sshFixture('qemu-lsblk-no-udev.json'));
    expect(sata).toMatchObject({ model: 'RPLAB-SATA', serial: null, wwn: null });
    expect(nvme).toMatchObject({ model: 'QEMU NVMe Ctrl', serial: 'RPNVME0001', wwn: null });
  });

  it('rejects output that is not lsblk JSON with UnexpectedOutputError', () => {
    expect(() => parseLsblk('lsblk: unknown column: WWN')).toThrow(UnexpectedOutputError);
    expect(() => parseLsblk('{"blockdevices":[{"name":"sda"}]}')).toThrow(/lsblk/);
  });
});

describe('parseLscpu', () => {
  it('counts cores and threads over both sockets of a dual Xeon', () => {
    expect(parseLscpu(sshFixture('lscpu-server.json'))).toEqual({
      model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
      cores: 64,
      threads: 128,
      sockets: 2,
    });
  });

  it('reads the hierarchical form with children', () => {
    expect(parseLscpu(sshFixture('lscpu-nested.json'))).toEqual({
      model: 'AMD EPYC 7543 32-Core Processor',
      cores: 32,
      threads: 64,
      sockets: 1,
    });
  });

  it('reads this machine', () => {
    expect(parseLscpu(sshFixture('lscpu-host.json'))).toEqual({ model: 'AMD EPYC', cores: 2, threads: 2, sockets: 1 });
  });

  it('fails on output without CPU(s)', () => {
    expect(() => parseLscpu('{"lscpu":[{"field":"Model name:","data":"X"}]}')).toThrow(/CPU\(s\)/);
  });
});

describe('parseMeminfo', () => {
  it('returns MemTotal in bytes', () => {
    expect(parseMeminfo(sshFixture('meminfo-server.txt'))).toBe(527951872 * 1024);
    expect(parseMeminfo(sshFixture('meminfo-host.txt'))).toBe(24682416 * 1024);
  });
  it('fails without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 1 kB\n')).toThrow(UnexpectedOutputError);
  });
});

describe('NICs', () => {
  it('parses grep -H speed lines, unknown speed (-1) as null', () => {
    const speeds = parseNicSpeeds(sshFixture('nic-speed-server.txt'));
    expect(speeds.get('eno1')).toBe(1000);
    expect(speeds.get('eno2')).toBeNull();
    expect(speeds.get('ens2f0np0')).toBe(25000);
    expect(parseNicSpeeds(sshFixture('nic-speed-host.txt'))).toEqual(new Map([['eth0', null]]));
  });

  it('lists physical NICs with speed and state, bonded ports by their permanent MAC, without lo and bond0', () => {
    const nics = parseIpLink(sshFixture('ip-link-server.json'), parseNicSpeeds(sshFixture('nic-speed-server.txt')));
    expect(nics).toEqual([
      { name: 'eno1', mac: 'b4:96:91:a1:b2:c0', speedMbps: 1000, state: 'up' },
      { name: 'eno2', mac: 'b4:96:91:a1:b2:c1', speedMbps: null, state: 'down' },
      { name: 'ens2f0np0', mac: '0c:42:a1:5e:6f:70', speedMbps: 25000, state: 'up' },
      { name: 'ens2f1np1', mac: '0c:42:a1:5e:6f:71', speedMbps: 25000, state: 'up' },
    ]);
  });

  it('reads this machine’s links, dropping lo and the ifb devices', () => {
    const nics = parseIpLink(sshFixture('ip-link-host.json'), parseNicSpeeds(sshFixture('nic-speed-host.txt')));
    expect(nics).toEqual([{ name: 'eth0', mac: '02:fc:00:00:00:01', speedMbps: null, state: 'up' }]);
  });
});

describe('DMI and BMC', () => {
  it('returns dmidecode values and null for OEM placeholders behind comments', () => {
    expect(parseDmiValue(sshFixture('dmidecode-vendor-server.txt'))).toBe('Dell Inc.');
    expect(parseDmiValue(sshFixture('dmidecode-product-server.txt'))).toBe('PowerEdge R650');
    expect(parseDmiValue(sshFixture('dmidecode-serial-server.txt'))).toBe('7XH2KL3');
    expect(parseDmiValue(sshFixture('dmidecode-oem-placeholder.txt'))).toBeNull();
    expect(parseDmiValue('')).toBeNull();
  });

  it('reads the BMC address and MAC from ipmitool lan print', () => {
    expect(parseIpmiLan(sshFixture('ipmitool-lan-print.txt'))).toEqual({
      ipAddress: '10.20.0.15',
      mac: 'b4:96:91:a1:b2:c4',
    });
  });
});
