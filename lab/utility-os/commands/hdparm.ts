/**
 * `hdparm -I <dev>` (ATA identify, with the Security section reflecting the disk's state) and the
 * ATA security commands: set password, erase (really erases the file), disable.
 */
import type { DiskImage } from '../disk-image.js';
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';
import { findDisk } from './device.js';

function isAta(disk: DiskImage): boolean {
  return disk.spec.transport === 'sata' || disk.spec.transport === 'ata';
}

function securitySection(disk: DiskImage): string {
  const mode = disk.spec.ataSecurity ?? 'supported';
  if (mode === 'unsupported') return '\tMaster password revision code = 65534\n\tnot\tsupported\n';
  const flag = (on: boolean, name: string): string => `\t${on ? '' : 'not'}\t${name}\n`;
  const minutes = Math.max(2, Math.ceil(disk.size / 150e6 / 60));
  return (
    '\tMaster password revision code = 65534\n\t\tsupported\n' +
    flag(disk.ataPassword !== null, 'enabled') +
    flag(false, 'locked') +
    flag(mode === 'frozen', 'frozen') +
    '\tnot\texpired: security count\n\t\tsupported: enhanced erase\n' +
    `\t${minutes}min for SECURITY ERASE UNIT. ${minutes}min for ENHANCED SECURITY ERASE UNIT.\n`
  );
}

function identify(disk: DiskImage): string {
  const { spec } = disk;
  const trim =
    (spec.discard ?? !spec.rotational)
      ? '\t   *\tData Set Management TRIM supported (limit 8 blocks)\n\t   *\tDeterministic read ZEROs after TRIM\n'
      : '';
  return (
    `\n${disk.path}:\n\nATA device, with non-removable media\n` +
    `\tModel Number:       ${spec.model.padEnd(40)}\n\tSerial Number:      ${spec.serial.padEnd(20)}\n` +
    '\tFirmware Revision:  LAB1    \n\tTransport:          Serial, ATA8-AST, SATA Rev 3.0\n' +
    `Configuration:\n\tLBA48  user addressable sectors: ${String(disk.size / 512).padStart(11)}\n` +
    '\tLogical  Sector size:                   512 bytes\n' +
    `\tNominal Media Rotation Rate: ${spec.rotational ? '7200' : 'Solid State Device'}\n` +
    `Commands/features:\n\tEnabled\tSupported:\n\t   *\tSMART feature set\n\t    \tSecurity Mode feature set\n${trim}` +
    `Security: \n${securitySection(disk)}` +
    (spec.wwn ? `Logical Unit WWN Device Identifier: ${spec.wwn.replace(/^0x/, '')}\n` : '') +
    'Checksum: correct\n'
  );
}

const ACTIONS = ['--security-set-pass', '--security-erase', '--security-disable'];

export const hdparm: CommandHandler = async (args, machine) => {
  if (args.length === 2 && args[0] === '-I') {
    const disk = findDisk(machine, args[1]);
    if (!disk) return fail(2, `${args[1]}: No such file or directory`);
    if (!isAta(disk))
      return fail(25, ' HDIO_DRIVE_CMD(identify) failed: Inappropriate ioctl for device', `\n${disk.path}:\n`);
    return ok(identify(disk));
  }
  const [userMaster, which, action, password, path] = args;
  if (args.length !== 5 || userMaster !== '--user-master' || which !== 'u' || !ACTIONS.includes(action ?? '')) {
    return unsupported('hdparm', args);
  }
  const disk = findDisk(machine, path);
  if (!disk) return fail(2, `${path}: No such file or directory`);
  const name = (action ?? '').replace('--security-', 'SECURITY_').replace('-', '_').toUpperCase();
  const issued = `\n${path}:\n Issuing ${name} command, password="${password}", user=user\n`;
  const mode = disk.spec.ataSecurity ?? 'supported';
  if (!isAta(disk) || mode !== 'supported') return fail(5, `${name}: Input/output error`, issued);
  if (action === '--security-set-pass') {
    if (disk.ataPassword !== null) return fail(5, `${name}: Input/output error`, issued);
    disk.ataPassword = password ?? '';
    return ok(issued);
  }
  if (disk.ataPassword !== password) return fail(5, `${name}: Input/output error`, issued);
  if (action === '--security-erase') await disk.eraseAll();
  disk.ataPassword = null; // both a completed erase and a disable leave security disabled
  return ok(`security_password: "${password}"\n${issued}`);
};
