/** `wipefs -a <dev>` (erase every signature's magic) and `wipefs -J <dev>` (list them as JSON). */
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';
import { detectSignatures, hexOffset } from '../signatures.js';
import { findDisk } from './device.js';

export const wipefs: CommandHandler = async (args, machine) => {
  const [flag, path] = args;
  if (args.length !== 2 || (flag !== '-a' && flag !== '-J')) return unsupported('wipefs', args);
  const disk = findDisk(machine, path);
  if (!disk) return fail(1, `wipefs: error: ${path}: probing initialization failed: No such file or directory`);
  const signatures = await detectSignatures(disk);

  if (flag === '-J') {
    const name = disk.spec.name;
    const list = signatures.map((s) => ({
      device: name,
      offset: hexOffset(s.offset),
      type: s.type,
      uuid: null,
      label: null,
    }));
    return ok(`${JSON.stringify({ signatures: list }, null, 3)}\n`);
  }

  const lines: string[] = [];
  for (const signature of signatures) {
    await disk.write(signature.offset, Buffer.alloc(signature.magic.length));
    const bytes = [...signature.magic].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const offset = `0x${signature.offset.toString(16).padStart(8, '0')}`;
    lines.push(
      `${path}: ${signature.magic.length} bytes were erased at offset ${offset} (${signature.type}): ${bytes}`,
    );
  }
  if (signatures.some((s) => s.usage === 'partition_table')) {
    lines.push(`${path}: calling ioctl to re-read partition table: Success`);
  }
  return ok(lines.length > 0 ? `${lines.join('\n')}\n` : '');
};
