import type { BootFlags } from './bmc-driver.js';
import { unexpectedOutput } from './ipmitool-parsers.js';

/**
 * Parser of `ipmitool chassis bootparam get 5` (IPMI system boot options, parameter 5: boot flags).
 * The hex data line is decoded (IPMI v2.0 table 28-14) and every flag ipmitool printed in words is
 * checked against it, so a misread byte or an unknown ipmitool format is caught instead of trusted.
 */

/** Boot device selector (byte 2, bits 5:2) to the words ipmitool 1.8.x prints (`lib/ipmi_chassis.c`). */
export const BOOT_DEVICE_SELECTORS: Record<number, string> = {
  0x0: 'No override',
  0x1: 'Force PXE',
  0x2: 'Force Boot from default Hard-Drive',
  0x3: 'Force Boot from default Hard-Drive, request Safe-Mode',
  0x4: 'Force Boot from Diagnostic Partition',
  0x5: 'Force Boot from CD/DVD',
  0x6: 'Force Boot into BIOS Setup',
  0x7: 'Force Boot from remotely connected Floppy/primary removable media',
  0x8: 'Force Boot from remotely connected CD/DVD',
  0x9: 'Force Boot from primary remote media',
  0xb: 'Force Boot from remotely connected Hard-Drive',
  0xf: 'Force Boot from Floppy/primary removable media',
};

export function deviceOf(selector: number): BootFlags['device'] {
  if (selector === 0x0) return 'none';
  if (selector === 0x1) return 'pxe';
  if (selector === 0x2) return 'disk';
  return 'other';
}

/** Parses `chassis bootparam get 5`. Throws a non-retryable `BmcCommandFailedError` on anything unexpected. */
export function parseBootFlags(output: string): BootFlags {
  const what = 'chassis bootparam get 5';
  const all = output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean);
  const fail = (reason: string): never => {
    throw unexpectedOutput(what, output, reason);
  };

  if (!/^Boot parameter version: \d+$/.test(all[0] ?? '')) fail('missing "Boot parameter version"');
  if (!/^Boot parameter 5 is (valid\/unlocked|invalid\/locked)$/.test(all[1] ?? '')) fail('not boot parameter 5');
  const data = /^Boot parameter data: ([0-9a-f]{10})$/i.exec(all[2] ?? '');
  if (!data) return fail('boot flags data is not 5 bytes of hex');
  if (all[3] !== ' Boot Flags :') fail('missing " Boot Flags :" section');

  const bytes = Buffer.from(data[1] as string, 'hex');
  const flags1 = bytes[0] as number;
  const selector = ((bytes[1] as number) >> 2) & 0xf;
  const valid = (flags1 & 0x80) !== 0;
  const persistent = (flags1 & 0x40) !== 0;
  const efi = (flags1 & 0x20) !== 0;
  const description = BOOT_DEVICE_SELECTORS[selector];
  if (description === undefined) return fail(`reserved boot device selector 0x${selector.toString(16)}`);

  // What ipmitool printed must agree with the bytes it printed.
  const items = all.slice(4).map((line) => line.replace(/^\s+- /, ''));
  const expectItem = (text: string): void => {
    if (!items.includes(text)) fail(`expected "${text}" for data ${data[1]}`);
  };
  expectItem(valid ? 'Boot Flag Valid' : 'Boot Flag Invalid');
  expectItem(persistent ? 'Options apply to all future boots' : 'Options apply to only next boot');
  expectItem(efi ? 'BIOS EFI boot' : 'BIOS PC Compatible (legacy) boot');
  expectItem(`Boot Device Selector : ${description}`);

  return { valid, persistent, efi, device: deviceOf(selector), deviceDescription: description };
}
