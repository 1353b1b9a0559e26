import { describe, expect, it } from 'vitest';
import type { InventoryDisk } from '../../shared/inventory.js';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { parseHdparmIdentify } from './hdparm-parser.js';
import { parseLsblk } from './inventory-parsers.js';
import { headTailRanges, needsAtaIdentify, planWipe } from './wipe-planner.js';

const byName = (name: string): InventoryDisk => {
  const disk = parseLsblk(sshFixture('lsblk-server.json')).find((d) => d.name === name);
  if (!disk) throw new Error(name);
  return disk;
};
const commandsOf = (plan: ReturnType<typeof planWipe>) =>
  plan.attempts.map((a) => [a.technique, a.steps.map((s) => s.command)]);

describe('planWipe', () => {
  it('quick: wipefs, sgdisk --zap-all, then 32 MiB of zeros at the head and at the very end', () => {
    const sda = byName('sda');
    const tail = sda.sizeBytes - 33554432;
    expect(commandsOf(planWipe(sda, 'quick'))).toEqual([
      [
        'metadata',
        [
          'wipefs -a /dev/sda',
          'sgdisk --zap-all /dev/sda',
          'dd if=/dev/zero of=/dev/sda bs=1M count=33554432 seek=0 iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none',
          `dd if=/dev/zero of=/dev/sda bs=1M count=33554432 seek=${tail} iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none`,
        ],
      ],
    ]);
  });

  it('zeroes the whole disk once at each end when it is smaller than 32 MiB', () => {
    expect(headTailRanges(8 * 1024 * 1024)).toEqual({ head: [0, 8388608], tail: [0, 8388608] });
  });

  it('secure NVMe: format with user-data erase, then discard, then zero-fill as fallbacks', () => {
    expect(planWipe(byName('nvme0n1'), 'secure').attempts.map((a) => a.technique)).toEqual([
      'nvme-format',
      'blkdiscard',
      'zero-fill',
    ]);
    expect(planWipe(byName('nvme0n1'), 'secure').attempts[0]?.steps[0]?.command).toBe(
      'nvme format /dev/nvme0n1 --ses=1 --force',
    );
  });

  it('secure HDD not frozen: ATA secure erase with a timeout from the drive estimate, password removed on failure', () => {
    const ata = parseHdparmIdentify(sshFixture('hdparm-sata-hdd.txt'));
    const plan = planWipe(byName('sdb'), 'secure', ata);
    expect(commandsOf(plan)).toEqual([
      [
        'ata-secure-erase',
        [
          'hdparm --user-master u --security-set-pass rackpilot /dev/sdb',
          'hdparm --user-master u --security-erase rackpilot /dev/sdb',
        ],
      ],
      ['zero-fill', [expect.stringMatching(/^dd if=\/dev\/zero of=\/dev\/sdb bs=1M count=4000787030016 seek=0 /)]],
    ]);
    expect(plan.attempts[0]?.steps[1]?.timeoutMs).toBe((478 * 2 + 15) * 60_000);
    expect(plan.attempts[0]?.onFailure.map((s) => s.command)).toEqual([
      'hdparm --user-master u --security-disable rackpilot /dev/sdb',
    ]);
  });

  it('secure SATA SSD frozen: no ATA erase; discard because TRIM reads back zeros', () => {
    const ata = parseHdparmIdentify(sshFixture('hdparm-sata-ssd-frozen.txt'));
    expect(planWipe(byName('sda'), 'secure', ata).attempts.map((a) => a.technique)).toEqual([
      'blkdiscard',
      'zero-fill',
    ]);
  });

  it('secure SSD whose TRIM is not deterministic: zero-fill only', () => {
    const ata = parseHdparmIdentify(sshFixture('hdparm-sata-ssd-no-security.txt'));
    expect(planWipe(byName('sda'), 'secure', ata).attempts.map((a) => a.technique)).toEqual(['zero-fill']);
  });

  it('asks hdparm only for secure wipes of ATA disks', () => {
    expect(needsAtaIdentify(byName('sda'), 'secure')).toBe(true);
    expect(needsAtaIdentify(byName('sda'), 'quick')).toBe(false);
    expect(needsAtaIdentify(byName('nvme0n1'), 'secure')).toBe(false);
  });

  it('refuses to build a command for a path that is not a plain device', () => {
    const evil = { ...byName('sda'), path: '/dev/sda; rm -rf /' };
    expect(() => planWipe(evil, 'quick')).toThrow(/Not a device path/);
  });
});
