import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wipeReportSchema } from '../../../shared/wipe-report.js';
import { wipeDisks, type WipeProgress } from '../../../agent/ssh/wipe.js';
import { EXT4_MAGIC_OFFSET, MIB, dirtyDisk, isAllZero, readRange } from './disk-content.js';
import { HDD, NVME, SSD, startLab, type Lab } from './lab-harness.js';

const HEAD_TAIL = 32 * MIB;
const targets = [
  { path: '/dev/nvme0n1', wwn: NVME.wwn ?? undefined },
  { path: '/dev/sda', serial: SSD.serial, wwn: SSD.wwn ?? undefined },
  { path: '/dev/sdb', serial: HDD.serial },
];

/** Real wipefs (util-linux) on the image file, when installed: a second opinion from the real tool. */
function realWipefs(file: string): string[] | null {
  try {
    const out = execFileSync('wipefs', ['-J', file], { encoding: 'utf8' });
    return out.trim() === ''
      ? []
      : (JSON.parse(out) as { signatures: { type: string }[] }).signatures.map((s) => s.type);
  } catch {
    return null;
  }
}

describe('quick wipe over SSH against file-backed disks', () => {
  let lab: Lab;
  beforeEach(async () => {
    lab = await startLab();
    for (const disk of [NVME, SSD, HDD]) await dirtyDisk(lab.server.diskFile(disk.name), disk.sizeBytes);
  });
  afterEach(async () => {
    await lab.cleanup();
  });

  it('erases signatures and zeroes 32 MiB at each end of every disk, and verification passes', async () => {
    const file = lab.server.diskFile('sda');
    expect(realWipefs(file) ?? ['gpt', 'gpt', 'PMBR']).toEqual(['gpt', 'gpt', 'PMBR']);
    const progress: WipeProgress[] = [];
    const reports = await wipeDisks({
      runner: lab.runner(),
      targets,
      method: 'quick',
      onProgress: (p) => progress.push(p),
    });

    expect(reports.map((r) => [r.path, r.technique, r.verification.passed])).toEqual([
      ['/dev/nvme0n1', 'metadata', true],
      ['/dev/sda', 'metadata', true],
      ['/dev/sdb', 'metadata', true],
    ]);
    for (const report of reports) expect(wipeReportSchema.parse(report)).toEqual(report);
    for (const disk of [NVME, SSD, HDD]) {
      const image = lab.server.diskFile(disk.name);
      expect(isAllZero(await readRange(image, 0, HEAD_TAIL)), `${disk.name} head`).toBe(true);
      expect(isAllZero(await readRange(image, disk.sizeBytes - HEAD_TAIL, HEAD_TAIL)), `${disk.name} tail`).toBe(true);
      expect(await readRange(image, EXT4_MAGIC_OFFSET, 2)).toEqual(Buffer.alloc(2));
      // A quick wipe leaves the middle alone: the random data written there is still there.
      expect(isAllZero(await readRange(image, disk.sizeBytes / 2, MIB)), `${disk.name} middle`).toBe(false);
      expect(realWipefs(image) ?? []).toEqual([]);
    }
    expect(progress.filter((p) => p.phase === 'done').map((p) => `${p.diskIndex}/${p.diskCount}`)).toEqual([
      '1/3',
      '2/3',
      '3/3',
    ]);
  });

  it('reports the commands run, sizes and timestamps of each disk', async () => {
    const [report] = await wipeDisks({ runner: lab.runner(), targets: [targets[1]!], method: 'quick' });
    expect(report).toMatchObject({
      diskId: '0x500a07512a3b4c5d',
      model: SSD.model,
      serial: SSD.serial,
      sizeBytes: SSD.sizeBytes,
      method: 'quick',
      verification: { passed: true, signaturesFound: [], headZero: true, tailZero: true, headBytesChecked: HEAD_TAIL },
    });
    expect(report?.commands.map((c) => [c.command, c.exitCode])).toEqual([
      ['wipefs -a /dev/sda', 0],
      ['sgdisk --zap-all /dev/sda', 0],
      [
        'dd if=/dev/zero of=/dev/sda bs=1M count=33554432 seek=0 iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none',
        0,
      ],
      [
        'dd if=/dev/zero of=/dev/sda bs=1M count=33554432 seek=50331648 iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none',
        0,
      ],
      ['blockdev --flushbufs /dev/sda', 0],
      ['wipefs -J /dev/sda', 0],
      ['blkid -p -o export /dev/sda', 2],
      ['cmp -n 33554432 /dev/zero /dev/sda', 0],
      ['cmp -n 33554432 -i 0:50331648 /dev/zero /dev/sda', 0],
    ]);
    expect(Date.parse(report!.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report!.startedAt));
  });

  it('is idempotent: wiping a wiped disk passes again', async () => {
    const runner = lab.runner();
    await wipeDisks({ runner, targets: [targets[2]!], method: 'quick' });
    const [again] = await wipeDisks({ runner, targets: [targets[2]!], method: 'quick' });
    expect(again?.verification.passed).toBe(true);
  });
});
