/**
 * `dd if=/dev/zero of=<dev> bs=1M count=<bytes> seek=<bytes> iflag=count_bytes
 * oflag=seek_bytes,direct conv=fsync status=none`: really zeroes the range of the disk file.
 */
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';
import { findDisk, parseCount } from './device.js';

const FIXED: Record<string, string> = {
  if: '/dev/zero',
  bs: '1M',
  iflag: 'count_bytes',
  oflag: 'seek_bytes,direct',
  conv: 'fsync',
  status: 'none',
};

export const dd: CommandHandler = async (args, machine) => {
  const operands = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || operands.has(arg.slice(0, eq))) return unsupported('dd', args);
    operands.set(arg.slice(0, eq), arg.slice(eq + 1));
  }
  const keys = [...Object.keys(FIXED), 'of', 'count', 'seek'];
  if (operands.size !== keys.length || keys.some((k) => !operands.has(k))) return unsupported('dd', args);
  if (Object.entries(FIXED).some(([k, v]) => operands.get(k) !== v)) return unsupported('dd', args);
  const count = parseCount(operands.get('count'));
  const seek = parseCount(operands.get('seek'));
  const path = operands.get('of') ?? '';
  if (count === undefined || seek === undefined) return fail(1, `dd: invalid number: '${operands.get('count')}'`);
  const disk = findDisk(machine, path);
  if (!disk) return fail(1, `dd: failed to open '${path}': No such file or directory`);
  if (seek % 512 !== 0 || (count % 512 !== 0 && seek + count < disk.size)) {
    return fail(1, `dd: error writing '${path}': Invalid argument`); // O_DIRECT needs sector alignment
  }
  await disk.zero(seek, count);
  if (seek + count > disk.size) return fail(1, `dd: error writing '${path}': No space left on device`);
  return ok();
};
