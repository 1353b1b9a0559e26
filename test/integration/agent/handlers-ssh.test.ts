import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirtyDisk } from '../ssh/disk-content.js';
import { NVME, SSD, startLab, type Lab } from '../ssh/lab-harness.js';
import { handlerHarness } from './handler-harness.js';

/** SSH jobs through the production job context: ssh2 against the lab utility OS over file-backed disks. */

let lab: Lab;
let harness: ReturnType<typeof handlerHarness>;
let address: string;

beforeAll(async () => {
  lab = await startLab({ disks: [NVME, SSD] });
  harness = handlerHarness({ sshPrivateKey: lab.privateKey });
  address = `${lab.server.host}:${lab.server.port}`;
});
afterAll(async () => {
  await lab?.cleanup();
});

describe('SSH job handlers against the lab utility OS', () => {
  it('ssh.inventory returns the machine inventory and the host key this boot presented', async () => {
    const { result } = await harness.run('ssh.inventory', { assetId: 'a1', address });
    const { inventory, hostKeyFingerprint } = result as {
      inventory: { disks: { serial: string }[]; dmi: unknown };
      hostKeyFingerprint: string;
    };
    expect(hostKeyFingerprint).toBe(lab.server.hostKeyFingerprint);
    expect(inventory.disks.map((d) => d.serial).sort()).toEqual([NVME.serial, SSD.serial].sort());
    expect(inventory.dmi).toEqual({ vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: '7XH2KL3' });
  });

  it('ssh.wipe refuses a disk whose serial differs, before writing anything', async () => {
    const before = await readFile(lab.server.diskFile('nvme0n1'));
    const outcome = await harness.run('ssh.wipe', {
      assetId: 'a1',
      address,
      mode: 'quick',
      disks: [{ path: '/dev/nvme0n1', serial: 'NOT-THIS-DISK' }],
    });
    expect(outcome.failure).toMatchObject({ type: 'DiskIdentityMismatch', retryable: false });
    expect((await readFile(lab.server.diskFile('nvme0n1'))).equals(before)).toBe(true);
  });

  it('ssh.wipe quick-wipes and verifies two disks, streaming per-disk progress', async () => {
    await dirtyDisk(lab.server.diskFile('nvme0n1'), NVME.sizeBytes);
    const outcome = await harness.run('ssh.wipe', {
      assetId: 'a1',
      address,
      mode: 'quick',
      disks: [
        { path: '/dev/nvme0n1', serial: NVME.serial },
        { path: '/dev/sda', wwn: SSD.wwn ?? undefined },
      ],
    });
    const reports = (outcome.result as { reports: { path: string; verification: { passed: boolean } }[] }).reports;
    expect(reports.map((r) => [r.path, r.verification.passed])).toEqual([
      ['/dev/nvme0n1', true],
      ['/dev/sda', true],
    ]);
    expect(outcome.logs).toContain('disk 1/2 /dev/nvme0n1: verifying (metadata)');
    expect(outcome.logs).toContain('disk 2/2 /dev/sda: done');
  });

  it('ssh.wipe reports WipeVerificationFailed (not retryable) when a disk ignores the erase', async () => {
    const faulty = await startLab({ disks: [{ ...NVME, failWipe: true }] });
    try {
      await dirtyDisk(faulty.server.diskFile('nvme0n1'), NVME.sizeBytes);
      const h = handlerHarness({ sshPrivateKey: faulty.privateKey });
      const outcome = await h.run('ssh.wipe', {
        assetId: 'a1',
        address: `${faulty.server.host}:${faulty.server.port}`,
        mode: 'quick',
        disks: [{ path: '/dev/nvme0n1', serial: NVME.serial }],
      });
      expect(outcome.failure).toMatchObject({ type: 'WipeVerificationFailed', retryable: false });
    } finally {
      await faulty.cleanup();
    }
  });
});
