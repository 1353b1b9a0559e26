/** `lsblk -J -b -o NAME,SIZE,MODEL,SERIAL,WWN,ROTA,TYPE,TRAN`, shaped like util-linux 2.38. */
import { ok, unsupported, type CommandHandler } from '../machine.js';

const COLUMNS = ['-J', '-b', '-o', 'NAME,SIZE,MODEL,SERIAL,WWN,ROTA,TYPE,TRAN'];

export const lsblk: CommandHandler = (args, machine) => {
  if (args.join(' ') !== COLUMNS.join(' ')) return unsupported('lsblk', args);
  const blockdevices = [...machine.disks.values()].map(({ spec }) => ({
    name: spec.name,
    size: spec.sizeBytes,
    model: spec.model,
    serial: spec.serial,
    wwn: spec.wwn,
    rota: spec.rotational,
    type: 'disk',
    tran: spec.transport,
  }));
  return ok(`${JSON.stringify({ blockdevices }, null, 3)}\n`);
};
