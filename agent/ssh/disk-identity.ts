/**
 * The safety rule of wiping: a disk is touched only when the device at the job's path carries the
 * serial/WWN the job expects. Pure; the wipe executor checks every target before the first write.
 */
import type { InventoryDisk } from '../../shared/inventory.js';
import type { WipeTarget } from '../../shared/wipe-report.js';
import { DiskIdentityMismatchError } from './errors.js';

/** WWNs appear as `0x5000c500...`, `5000C500...` or `naa.5000c500...`: compare the bare lower-case id. */
export function normalizeWwn(wwn: string): string {
  return wwn
    .trim()
    .toLowerCase()
    .replace(/^(0x|naa\.)/, '');
}

function normalizeSerial(serial: string): string {
  return serial.trim().toUpperCase();
}

/** Returns the problems that make `disk` not the one `target` means; empty when it is. */
export function identityProblems(target: WipeTarget, disk: InventoryDisk | undefined): string[] {
  if (!disk) return [`no whole disk at ${target.path}`];
  const problems: string[] = [];
  if (target.serial !== undefined) {
    if (disk.serial === null) problems.push(`expected serial ${target.serial}, device reports none`);
    else if (normalizeSerial(disk.serial) !== normalizeSerial(target.serial))
      problems.push(`expected serial ${target.serial}, found ${disk.serial}`);
  }
  if (target.wwn !== undefined) {
    if (disk.wwn === null) problems.push(`expected WWN ${target.wwn}, device reports none`);
    else if (normalizeWwn(disk.wwn) !== normalizeWwn(target.wwn))
      problems.push(`expected WWN ${target.wwn}, found ${disk.wwn}`);
  }
  if (target.serial === undefined && target.wwn === undefined) problems.push('the job names neither serial nor WWN');
  return problems;
}

/**
 * Returns the disk of each target, in order. Throws `DiskIdentityMismatchError` for the first
 * target whose device is missing or differs, and for a path named twice.
 */
export function resolveTargets(targets: readonly WipeTarget[], disks: readonly InventoryDisk[]): InventoryDisk[] {
  const seen = new Set<string>();
  return targets.map((target) => {
    if (seen.has(target.path)) throw new DiskIdentityMismatchError(target.path, ['named twice in the job']);
    seen.add(target.path);
    const disk = disks.find((d) => d.path === target.path);
    const problems = identityProblems(target, disk);
    if (problems.length > 0 || !disk) throw new DiskIdentityMismatchError(target.path, problems);
    return disk;
  });
}
