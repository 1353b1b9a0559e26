/** Read-only checks: `cmp -n N [-i 0:OFF] /dev/zero <dev>`, `blkid -p -o export <dev>`, `blockdev --flushbufs <dev>`. */
import { randomUUID } from 'node:crypto';
import { firstNonZeroByte } from '../disk-image.js';
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';
import { detectSignatures } from '../signatures.js';
import { findDisk, parseCount } from './device.js';

/** Compares N bytes of the disk (from OFF) with /dev/zero, printing the first difference like GNU cmp. */
export const cmp: CommandHandler = async (args, machine) => {
  let offset = 0;
  if (args[0] !== '-n') return unsupported('cmp', args);
  const length = parseCount(args[1]);
  let rest = args.slice(2);
  if (rest[0] === '-i') {
    const skip = /^0:(\d+)$/.exec(rest[1] ?? '');
    if (!skip?.[1]) return unsupported('cmp', args);
    offset = Number(skip[1]);
    rest = rest.slice(2);
  }
  if (length === undefined || rest.length !== 2 || rest[0] !== '/dev/zero') return unsupported('cmp', args);
  const path = rest[1] ?? '';
  const disk = findDisk(machine, path);
  if (!disk) return fail(2, `cmp: ${path}: No such file or directory`);
  const data = await disk.read(offset, length);
  const firstNonZero = firstNonZeroByte(data);
  if (firstNonZero >= 0)
    return { code: 1, stdout: `/dev/zero ${path} differ: byte ${firstNonZero + 1}, line 1\n`, stderr: '' };
  if (data.length < length) return fail(1, `cmp: EOF on ${path} after byte ${data.length}, line 1`);
  return ok();
};

/** Low-level probe of the whole disk: the first filesystem found, else the partition table; exit 2 when none. */
export const blkid: CommandHandler = async (args, machine) => {
  if (args.length !== 4 || args.slice(0, 3).join(' ') !== '-p -o export') return unsupported('blkid', args);
  const path = args[3] ?? '';
  const disk = findDisk(machine, path);
  if (!disk) return fail(2, `blkid: error: ${path}: No such file or directory`);
  const signatures = await detectSignatures(disk);
  const fs = signatures.find((s) => s.usage !== 'partition_table');
  const table = signatures.find((s) => s.usage === 'partition_table');
  if (fs) return ok(`DEVNAME=${path}\nUUID=${randomUUID()}\nTYPE=${fs.type}\nUSAGE=${fs.usage}\n`);
  if (table) return ok(`DEVNAME=${path}\nPTUUID=${randomUUID()}\nPTTYPE=${table.type}\n`);
  return { code: 2, stdout: '', stderr: '' };
};

export const blockdev: CommandHandler = (args, machine) => {
  if (args.length !== 2 || args[0] !== '--flushbufs') return unsupported('blockdev', args);
  if (!findDisk(machine, args[1])) return fail(1, `blockdev: cannot open ${args[1]}: No such file or directory`);
  return ok();
};
