/** Whole-medium erases: `blkdiscard -f <dev>` and `nvme format <dev> --ses=1 --force`. */
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';
import { findDisk } from './device.js';

export const blkdiscard: CommandHandler = async (args, machine) => {
  if (args.length !== 2 || args[0] !== '-f') return unsupported('blkdiscard', args);
  const path = args[1] ?? '';
  const disk = findDisk(machine, path);
  if (!disk) return fail(1, `blkdiscard: cannot open ${path}: No such file or directory`);
  if (!(disk.spec.discard ?? !disk.spec.rotational)) {
    return fail(1, `blkdiscard: ${path}: BLKDISCARD ioctl failed: Operation not supported`);
  }
  await disk.eraseAll();
  return ok();
};

export const nvme: CommandHandler = async (args, machine) => {
  if (args.length !== 4 || args[0] !== 'format' || args[2] !== '--ses=1' || args[3] !== '--force') {
    return unsupported('nvme', args);
  }
  const path = args[1] ?? '';
  const disk = findDisk(machine, path);
  if (!disk) return fail(1, `Failed to open ${path}: No such file or directory`);
  if (disk.spec.transport !== 'nvme') return fail(1, `${path} is not a block or character device`);
  await disk.eraseAll();
  return ok('Success formatting namespace:1\n');
};
