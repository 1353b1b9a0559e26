/**
 * Handlers of the jobs run over SSH in the utility OS: inventory (read-only) and wipe (identity
 * checked before any write, every disk verified, progress streamed per disk and phase).
 */
import { collectInventory } from '../ssh/inventory.js';
import { wipeDisks, type WipeProgress } from '../ssh/wipe.js';
import type { JobHandler } from './job-context.js';

/** `ssh.inventory`: the machine's hardware, and the host key pinned for this boot. */
export const sshInventory: JobHandler<'ssh.inventory'> = async ({ address }, ctx) => {
  const runner = ctx.sshFor(address);
  ctx.reportProgress({ phase: 'collecting' }, `collecting inventory from ${address}`);
  const inventory = await collectInventory(runner, { signal: ctx.signal });
  const hostKeyFingerprint = runner.hostKeyFingerprint ?? '';
  ctx.reportProgress(
    { phase: 'done', disks: inventory.disks.length, nics: inventory.nics.length },
    `inventory: ${inventory.disks.length} disks, ${inventory.nics.length} NICs, host key ${hostKeyFingerprint}`,
  );
  return { inventory, hostKeyFingerprint };
};

function describeProgress(p: WipeProgress): string {
  const technique = p.technique === undefined ? '' : ` (${p.technique})`;
  return `disk ${p.diskIndex}/${p.diskCount} ${p.path}: ${p.phase}${technique}`;
}

/** `ssh.wipe`: erases and verifies the listed disks; the per-disk reports are the result. */
export const sshWipe: JobHandler<'ssh.wipe'> = async ({ address, mode, disks }, ctx) => {
  const runner = ctx.sshFor(address);
  const reports = await wipeDisks({
    runner,
    targets: disks,
    method: mode,
    signal: ctx.signal,
    onProgress: (progress) => ctx.reportProgress(progress, describeProgress(progress)),
  });
  return { reports };
};
