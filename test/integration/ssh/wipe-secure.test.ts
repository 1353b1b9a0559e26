import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskIdentityMismatchError, WipeVerificationError } from '../../../agent/ssh/errors.js';
import { wipeDisks } from '../../../agent/ssh/wipe.js';
import type { LabDiskSpec } from '../../../lab/utility-os/types.js';
import { dirtyDisk, isAllZero, readWhole } from './disk-content.js';
import { HDD, NVME, SSD, startLab, type Lab } from './lab-harness.js';

const target = (disk: LabDiskSpec) => ({ path: `/dev/${disk.name}`, serial: disk.serial, wwn: disk.wwn ?? undefined });
const WRITES = /^(wipefs -a|sgdisk|dd|blkdiscard|nvme|hdparm --user-master)/;

describe('secure wipe, failures and the identity rule over SSH against file-backed disks', () => {
  let lab: Lab;
  async function start(disks: LabDiskSpec[]): Promise<Lab> {
    lab = await startLab({ disks });
    for (const disk of disks) await dirtyDisk(lab.server.diskFile(disk.name), disk.sizeBytes);
    return lab;
  }
  afterEach(async () => {
    await lab.cleanup();
  });

  it('erases every byte: NVMe format, discard on the frozen SSD, ATA secure erase on the HDD, zero-fill when discard fails', async () => {
    // A SAS SSD behind an HBA that does not pass discards: blkdiscard fails, the agent falls back to zero-fill.
    const noDiscard: LabDiskSpec = {
      ...SSD,
      name: 'sdc',
      serial: 'S3Z1NX0K123456',
      wwn: '0x5002538a07123456',
      transport: 'sas',
      sizeBytes: 64 * 1024 * 1024,
      discard: false,
    };
    await start([NVME, SSD, HDD, noDiscard]);
    const reports = await wipeDisks({
      runner: lab.runner(),
      targets: [NVME, SSD, HDD, noDiscard].map(target),
      method: 'secure',
    });
    expect(reports.map((r) => [r.path, r.method, r.technique, r.verification.passed])).toEqual([
      ['/dev/nvme0n1', 'secure', 'nvme-format', true],
      ['/dev/sda', 'secure', 'blkdiscard', true],
      ['/dev/sdb', 'secure', 'ata-secure-erase', true],
      ['/dev/sdc', 'secure', 'zero-fill', true],
    ]);
    for (const disk of [NVME, SSD, HDD, noDiscard]) {
      expect(isAllZero(await readWhole(lab.server.diskFile(disk.name))), `${disk.name} fully zero`).toBe(true);
    }
    expect(reports[3]?.commands.map((c) => [c.command.split(' ')[0], c.exitCode]).slice(0, 2)).toEqual([
      ['blkdiscard', 1],
      ['dd', 0],
    ]);
  });

  it('catches a disk that silently ignores the erase: report fails verification, the job fails typed', async () => {
    const liar: LabDiskSpec = { ...HDD, failWipe: true };
    await start([SSD, liar]);
    const error = await wipeDisks({
      runner: lab.runner(),
      targets: [target(SSD), target(liar)],
      method: 'quick',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WipeVerificationError);
    expect(error).toMatchObject({ code: 'WIPE_VERIFICATION_FAILED', retryable: false });
    const [good, bad] = (error as WipeVerificationError).reports;
    expect(good?.verification.passed).toBe(true);
    expect(bad?.commands.filter((c) => WRITES.test(c.command)).every((c) => c.exitCode === 0)).toBe(true);
    expect(bad?.verification).toMatchObject({ passed: false, headZero: false, tailZero: false });
    expect(bad?.verification.signaturesFound).toEqual(expect.arrayContaining(['gpt', 'PMBR']));
  });

  it('catches a secure erase that reports success but erased nothing', async () => {
    const liar: LabDiskSpec = { ...NVME, failWipe: true };
    await start([liar]);
    const error = await wipeDisks({ runner: lab.runner(), targets: [target(liar)], method: 'secure' }).catch(
      (e: unknown) => e,
    );
    expect((error as WipeVerificationError).reports[0]).toMatchObject({
      technique: 'nvme-format',
      verification: { passed: false, headZero: false },
    });
  });

  it('refuses a wrong serial before writing anything to any disk', async () => {
    await start([SSD, HDD]);
    const hashes = async () =>
      Promise.all(
        [SSD, HDD].map(async (d) =>
          createHash('sha256')
            .update(await readWhole(lab.server.diskFile(d.name)))
            .digest('hex'),
        ),
      );
    const before = await hashes();
    const job = wipeDisks({
      runner: lab.runner(),
      targets: [target(SSD), { path: '/dev/sdb', serial: 'NOT-THIS-DISK' }],
      method: 'secure',
    });
    await expect(job).rejects.toBeInstanceOf(DiskIdentityMismatchError);
    await expect(job).rejects.toMatchObject({ code: 'DISK_IDENTITY_MISMATCH', retryable: false });
    expect(await hashes()).toEqual(before);
    expect(lab.server.commandLog.filter((c) => WRITES.test(c))).toEqual([]);
  });

  it('refuses when the device at the path carries another disk’s WWN (names swapped between boots)', async () => {
    await start([SSD, HDD]);
    const swapped = { path: '/dev/sda', wwn: HDD.wwn ?? undefined };
    await expect(wipeDisks({ runner: lab.runner(), targets: [swapped], method: 'quick' })).rejects.toThrow(
      /Refusing to wipe \/dev\/sda: expected WWN 0x5000c500d1e2f3a4, found 0x500a07512a3b4c5d/,
    );
    expect(lab.server.commandLog.filter((c) => WRITES.test(c))).toEqual([]);
  });
});
