/** Shared helpers of the disk tools: device lookup with the tools' own "no such device" errors. */
import type { DiskImage } from '../disk-image.js';
import type { LabMachine } from '../machine.js';

/** Returns the disk at `path`, or undefined (the caller prints its tool's error). */
export function findDisk(machine: LabMachine, path: string | undefined): DiskImage | undefined {
  return path === undefined ? undefined : machine.disks.get(path);
}

/** Parses a non-negative decimal integer argument, or undefined. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
