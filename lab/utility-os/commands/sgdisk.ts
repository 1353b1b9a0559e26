/**
 * `sgdisk --zap-all <dev>`: zeroes the primary GPT (MBR, header and entries: the first 34 sectors)
 * and the backup (the last 33 sectors), printing what gdisk 1.0.9 prints.
 */
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';
import { detectSignatures } from '../signatures.js';
import { findDisk } from './device.js';

const SECTOR = 512;
const KERNEL_WARNING =
  'Warning: The kernel is still using the old partition table.\nThe new table will be used at the next reboot or after you\nrun partprobe(8) or kpartx(8)\n';
const DESTROYED = 'GPT data structures destroyed! You may now partition the disk using fdisk or\nother utilities.\n';

export const sgdisk: CommandHandler = async (args, machine) => {
  if (args.length !== 2 || args[0] !== '--zap-all') return unsupported('sgdisk', args);
  const disk = findDisk(machine, args[1]);
  if (!disk) return fail(2, `Problem opening ${args[1]} for reading! Error is 2.\nThe specified file does not exist!`);
  const hadGpt = (await detectSignatures(disk)).some((s) => s.type === 'gpt');
  await disk.zero(0, Math.min(disk.size, 34 * SECTOR));
  await disk.zero(Math.max(0, disk.size - 33 * SECTOR), 33 * SECTOR);
  return ok(`${hadGpt ? '' : 'Creating new GPT entries in memory.\n'}${KERNEL_WARNING}${DESTROYED}`);
};
