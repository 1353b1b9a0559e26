import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { DiskIdentityMismatchError, WipeVerificationError } from './errors.js';
import { FakeSshRunner } from './fake-ssh-runner.js';
import { wipeDisks, type WipeProgress } from './wipe.js';

const LSBLK = 'lsblk -J -b -o NAME,SIZE,MODEL,SERIAL,WWN,ROTA,TYPE,TRAN';
const SDA = { path: '/dev/sda', serial: '2140311A2B3C', wwn: '0x500a07512a3b4c5d' };
const SDB = { path: '/dev/sdb', serial: 'WJG1A2B3' };

/** A utility OS where every command succeeds and the disks read back clean. */
function cleanMachine(): FakeSshRunner {
  return new FakeSshRunner(
    {
      [LSBLK]: { stdout: sshFixture('lsblk-server.json') },
      'hdparm -I /dev/sda': { stdout: sshFixture('hdparm-sata-ssd-frozen.txt') },
    },
    {
      fallback: (command) => {
        if (command.startsWith('blkid -p')) return { code: 2 };
        if (command.startsWith('wipefs -J')) return { stdout: sshFixture('wipefs-empty.json') };
        if (/^(wipefs -a|sgdisk|dd|cmp|blockdev|blkdiscard|nvme format|hdparm --user-master)/.test(command)) return {};
        return undefined;
      },
    },
  );
}
const writes = (runner: FakeSshRunner) =>
  runner.commands.filter((c) => /^(wipefs -a|sgdisk|dd|blkdiscard|nvme|hdparm --)/.test(c));

describe('wipeDisks', () => {
  it('quick-wipes two disks and reports commands, verification and progress for each', async () => {
    const runner = cleanMachine();
    const progress: WipeProgress[] = [];
    const reports = await wipeDisks({
      runner,
      targets: [SDA, SDB],
      method: 'quick',
      onProgress: (p) => progress.push(p),
    });
    expect(reports.map((r) => [r.diskId, r.technique, r.verification.passed])).toEqual([
      ['0x500a07512a3b4c5d', 'metadata', true],
      ['0x5000c500d1e2f3a4', 'metadata', true],
    ]);
    expect(reports[0]?.commands.map((c) => c.command.split(' ')[0])).toEqual([
      'wipefs',
      'sgdisk',
      'dd',
      'dd',
      'blockdev',
      'wipefs',
      'blkid',
      'cmp',
      'cmp',
    ]);
    expect(progress.filter((p) => p.diskIndex === 2).map((p) => p.phase)).toEqual([
      'checking-identity',
      'erasing',
      'verifying',
      'done',
    ]);
    expect(progress.every((p) => p.diskCount === 2)).toBe(true);
  });

  it('refuses the whole job before any write when the second disk is not the expected one', async () => {
    const runner = cleanMachine();
    const job = wipeDisks({ runner, targets: [SDA, { path: '/dev/sdb', serial: 'SOMEONE-ELSE' }], method: 'quick' });
    await expect(job).rejects.toBeInstanceOf(DiskIdentityMismatchError);
    expect(writes(runner)).toEqual([]);
  });

  it('falls back to zero-fill when the SSD refuses the discard', async () => {
    const runner = cleanMachine().on('blkdiscard -f /dev/sda', {
      code: 1,
      stderr: 'blkdiscard: BLKDISCARD ioctl failed: Operation not supported',
    });
    const [report] = await wipeDisks({ runner, targets: [SDA], method: 'secure' });
    expect(report?.technique).toBe('zero-fill');
    expect(report?.error).toBeUndefined();
    expect(report?.commands.map((c) => [c.command.split(' ')[0], c.exitCode]).slice(0, 3)).toEqual([
      ['hdparm', 0],
      ['blkdiscard', 1],
      ['dd', 0],
    ]);
  });

  it('removes the ATA password it set when the secure erase fails, then zero-fills', async () => {
    const runner = cleanMachine()
      .on('hdparm -I /dev/sdb', { stdout: sshFixture('hdparm-sata-hdd.txt') })
      .on('hdparm --user-master u --security-erase rackpilot /dev/sdb', {
        code: 5,
        stderr: 'SECURITY_ERASE: Input/output error',
      });
    const [report] = await wipeDisks({ runner, targets: [SDB], method: 'secure' });
    expect(writes(runner).map((c) => c.replace(/ (of=)?\/dev\/sdb.*/, ''))).toEqual([
      'hdparm --user-master u --security-set-pass rackpilot',
      'hdparm --user-master u --security-erase rackpilot',
      'hdparm --user-master u --security-disable rackpilot',
      'dd if=/dev/zero',
    ]);
    expect(report?.technique).toBe('zero-fill');
  });

  it('fails the job with every report when read-back finds data, and names the offset', async () => {
    const runner = cleanMachine()
      .on('cmp -n 33554432 /dev/zero /dev/sda', { code: 1, stdout: '/dev/zero /dev/sda differ: byte 513, line 1\n' })
      .on('wipefs -J /dev/sda', { stdout: sshFixture('wipefs-gpt.json') });
    const error = await wipeDisks({ runner, targets: [SDA, SDB], method: 'quick' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WipeVerificationError);
    const { reports } = error as WipeVerificationError;
    expect(reports.map((r) => r.verification.passed)).toEqual([false, true]);
    expect(reports[0]?.verification).toMatchObject({
      headZero: false,
      tailZero: true,
      signaturesFound: ['gpt', 'PMBR'],
    });
    expect(reports[0]?.verification.problems).toContain('head is not zero: first non-zero byte at offset 512');
    expect(error).toMatchObject({ code: 'WIPE_VERIFICATION_FAILED', retryable: false });
  });

  it('stops before running anything when the job is cancelled', async () => {
    const runner = cleanMachine();
    const controller = new AbortController();
    controller.abort(new Error('job cancelled'));
    await expect(wipeDisks({ runner, targets: [SDA], method: 'quick', signal: controller.signal })).rejects.toThrow(
      'job cancelled',
    );
    expect(runner.commands).toEqual([]);
  });
});
