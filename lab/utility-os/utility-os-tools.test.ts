import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EXT4_MAGIC_OFFSET,
  MIB,
  readRange,
  writeExt4InPartition,
  writeGpt,
} from '../../test/integration/ssh/disk-content.js';
import { utilityOsTools } from './commands/index.js';
import { DiskImage } from './disk-image.js';
import type { LabMachine } from './machine.js';
import { createDispatcher } from './shell.js';

const run = createDispatcher(utilityOsTools);
const execFileAsync = promisify(execFile);
/** Real util-linux output for the same image file, or null when the tool is not installed. */
async function real(tool: string, args: string[]): Promise<{ code: number; stdout: string } | null> {
  return execFileAsync(tool, args, { encoding: 'utf8' }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number | string; stdout: string }) =>
      err.code === 'ENOENT' ? null : { code: Number(err.code), stdout: err.stdout },
  );
}
const signatureList = (json: string) =>
  json.trim() === ''
    ? []
    : (JSON.parse(json) as { signatures: { offset: string; type: string }[] }).signatures.map(
        (s) => `${s.type}@${s.offset}`,
      );

describe('lab utility OS tools', () => {
  let dir: string;
  let machine: LabMachine;
  let disk: DiskImage;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-lab-tools-'));
    disk = await DiskImage.create(dir, {
      name: 'sda',
      sizeBytes: 64 * MIB,
      model: 'M',
      serial: 'S',
      wwn: null,
      rotational: false,
      transport: 'sata',
    });
    machine = {
      spec: {
        disks: [disk.spec],
        cpu: { model: 'X', sockets: 1, coresPerSocket: 1, threadsPerCore: 1 },
        memoryBytes: 1 << 30,
        nics: [],
        dmi: { vendor: 'v', product: 'p', serial: 's' },
      },
      disks: new Map([[disk.path, disk]]),
    };
    await writeGpt(disk.file, disk.size);
    await writeExt4InPartition(disk.file);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('wipefs -J finds what real wipefs finds on the same image (types and offsets)', async () => {
    const lab = await run('wipefs -J /dev/sda', machine);
    expect(signatureList(lab.stdout)).toEqual(['gpt@0x200', 'gpt@0x3fffe00', 'PMBR@0x1fe']);
    const util = await real('wipefs', ['-J', disk.file]);
    if (util) expect(signatureList(util.stdout)).toEqual(signatureList(lab.stdout));
  });

  it('wipefs -a erases the magics so that real wipefs and blkid find nothing either', async () => {
    const erased = await run('wipefs -a /dev/sda', machine);
    expect(erased.stdout).toContain(
      '/dev/sda: 8 bytes were erased at offset 0x00000200 (gpt): 45 46 49 20 50 41 52 54',
    );
    expect(signatureList((await run('wipefs -J /dev/sda', machine)).stdout)).toEqual([]);
    expect((await run('blkid -p -o export /dev/sda', machine)).code).toBe(2);
    const util = await real('wipefs', ['-J', disk.file]);
    if (util) expect(signatureList(util.stdout)).toEqual([]);
    const blkid = await real('blkid', ['-p', '-o', 'export', disk.file]);
    if (blkid) expect(blkid.code).toBe(2);
  });

  it('dd zeroes exactly the requested bytes and sgdisk clears both GPT copies', async () => {
    expect(
      (
        await run(
          `dd if=/dev/zero of=/dev/sda bs=1M count=${2 * MIB} seek=0 iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none`,
          machine,
        )
      ).code,
    ).toBe(0);
    expect(await readRange(disk.file, EXT4_MAGIC_OFFSET, 2)).toEqual(Buffer.alloc(2));
    await writeGpt(disk.file, disk.size);
    expect((await run('sgdisk --zap-all /dev/sda', machine)).stdout).toContain('GPT data structures destroyed!');
    expect(signatureList((await run('wipefs -J /dev/sda', machine)).stdout)).toEqual([]);
  });

  it('refuses forms the agent never sends and commands it does not know', async () => {
    expect((await run('dd if=/dev/sda of=/dev/sdb', machine)).code).toBe(2);
    expect(
      (
        await run(
          'dd if=/dev/zero of=/dev/sda bs=1M count=512 seek=1 iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none',
          machine,
        )
      ).stderr,
    ).toContain('Invalid argument');
    expect((await run('lsblk', machine)).code).toBe(2);
    expect(await run('rm -rf /', machine)).toEqual({
      code: 127,
      stdout: '',
      stderr: 'bash: line 1: rm: command not found\n',
    });
    expect((await run('wipefs -a /dev/sdz', machine)).code).toBe(1);
  });

  it('hdparm: erase needs the password set first, and a completed erase disables security again', async () => {
    expect((await run('hdparm --user-master u --security-erase rackpilot /dev/sda', machine)).code).toBe(5);
    expect((await run('hdparm --user-master u --security-set-pass rackpilot /dev/sda', machine)).code).toBe(0);
    expect((await run('hdparm -I /dev/sda', machine)).stdout).toMatch(/\t\tenabled\n/);
    expect((await run('hdparm --user-master u --security-erase rackpilot /dev/sda', machine)).code).toBe(0);
    expect((await run('hdparm -I /dev/sda', machine)).stdout).toMatch(/\tnot\tenabled\n/);
    expect(signatureList((await run('wipefs -J /dev/sda', machine)).stdout)).toEqual([]);
  });
});
