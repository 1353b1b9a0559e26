import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { InventoryCommands } from '../ssh/commands.js';
import { FakeSshRunner } from '../ssh/fake-ssh-runner.js';
import { runJob } from './job-handlers.js';
import { toJobFailure } from './job-failure.js';
import { testContext } from './test-context.js';

const SDA = { path: '/dev/sda', serial: '2140311A2B3C', wwn: '0x500a07512a3b4c5d' };

function machine(options: { dirty?: boolean } = {}): FakeSshRunner {
  return new FakeSshRunner(
    {
      [InventoryCommands.lsblk]: { stdout: sshFixture('lsblk-server.json') },
      [InventoryCommands.lscpu]: { stdout: sshFixture('lscpu-server.json') },
      [InventoryCommands.meminfo]: { stdout: sshFixture('meminfo-server.txt') },
      [InventoryCommands.ipLink]: { stdout: sshFixture('ip-link-server.json') },
    },
    {
      hostKeyFingerprint: 'SHA256:utility-boot-1',
      fallback: (command) => {
        if (command.startsWith('blkid -p'))
          return options.dirty ? { stdout: sshFixture('blkid-gpt.txt') } : { code: 2 };
        if (command.startsWith('wipefs -J'))
          return { stdout: sshFixture(options.dirty ? 'wipefs-gpt.json' : 'wipefs-empty.json') };
        if (/^(wipefs -a|sgdisk|dd|cmp|blockdev)/.test(command)) return {};
        return { code: 1, stderr: 'not available' };
      },
    },
  );
}

describe('SSH job handlers', () => {
  it('ssh.inventory returns the inventory and the host key pinned for this boot', async () => {
    const runner = machine();
    const { ctx } = testContext({ ssh: () => runner });
    const result = (await runJob('ssh.inventory', { assetId: 'a1', address: '10.0.0.50' }, ctx)) as {
      inventory: { disks: unknown[] };
      hostKeyFingerprint: string;
    };
    expect(result.hostKeyFingerprint).toBe('SHA256:utility-boot-1');
    expect(result.inventory.disks).toHaveLength(4);
  });

  it('ssh.wipe streams per-disk progress and returns one verified report per disk', async () => {
    const runner = machine();
    const { ctx, progress } = testContext({ ssh: () => runner });
    const result = (await runJob(
      'ssh.wipe',
      { assetId: 'a1', address: '10.0.0.50', mode: 'quick', disks: [SDA] },
      ctx,
    )) as {
      reports: { path: string; verification: { passed: boolean } }[];
    };
    expect(result.reports.map((r) => [r.path, r.verification.passed])).toEqual([['/dev/sda', true]]);
    expect(progress.map((p) => p.logLine)).toEqual([
      'disk 1/1 /dev/sda: checking-identity',
      'disk 1/1 /dev/sda: erasing (metadata)',
      'disk 1/1 /dev/sda: verifying (metadata)',
      'disk 1/1 /dev/sda: done',
    ]);
  });

  it('ssh.wipe refuses a disk whose serial differs (DiskIdentityMismatch, not retryable) before any write', async () => {
    const runner = machine();
    const { ctx } = testContext({ ssh: () => runner });
    const payload = {
      assetId: 'a1',
      address: '10.0.0.50',
      mode: 'quick',
      disks: [{ path: '/dev/sda', serial: 'OTHER' }],
    };
    const failure = await runJob('ssh.wipe', payload, ctx).then(() => undefined, toJobFailure);
    expect(failure).toMatchObject({ type: 'DiskIdentityMismatch', retryable: false });
    expect(runner.commands.some((c) => /^(wipefs -a|sgdisk|dd )/.test(c))).toBe(false);
  });

  it('ssh.wipe reports WipeVerificationFailed (not retryable) with the per-disk reports when data remains', async () => {
    const runner = machine({ dirty: true });
    const { ctx } = testContext({ ssh: () => runner });
    const payload = { assetId: 'a1', address: '10.0.0.50', mode: 'quick', disks: [SDA] };
    const failure = await runJob('ssh.wipe', payload, ctx).then(() => undefined, toJobFailure);
    expect(failure).toMatchObject({ type: 'WipeVerificationFailed', retryable: false });
    expect((failure?.details as { reports: unknown[] }).reports).toHaveLength(1);
  });
});
