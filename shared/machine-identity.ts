/**
 * Is the machine that booted the one behind this BMC? Discovery drives a BMC, and a machine
 * answers over SSH; a mis-cabled BMC, a wrong address enrolled, or another machine taking the boot
 * would record somebody else's disks on this asset — and a later wipe or install would trust them.
 * When the BMC reports identity (Redfish), it is compared with what the booted OS reported.
 */
import type { BmcHardware, Inventory } from './inventory.js';

/** Serial "numbers" firmware ships unset; they identify nothing. */
const PLACEHOLDER_SERIALS = new Set([
  'to be filled by o.e.m.',
  'default string',
  'system serial number',
  '0123456789',
  '0',
  'none',
  'not specified',
  'n/a',
  'na',
  'unknown',
]);

/** Upper-case serial without spaces, or undefined for a blank or a placeholder. */
export function meaningfulSerial(serial: string | null | undefined): string | undefined {
  const text = serial?.trim();
  if (!text || PLACEHOLDER_SERIALS.has(text.toLowerCase()) || /^0+$|^f+$/i.test(text)) return undefined;
  return text.replace(/\s+/g, '').toUpperCase();
}

/** One fact both sides report and that differs. */
export interface IdentityMismatch {
  fact: 'serial' | 'macs';
  bmc: string;
  booted: string;
}

/** The facts that contradict each other; empty when they agree or when either side is silent. */
export function compareMachineIdentity(bmc: BmcHardware | undefined, booted: Inventory): IdentityMismatch[] {
  if (bmc === undefined) return [];
  const mismatches: IdentityMismatch[] = [];
  const bmcSerial = meaningfulSerial(bmc.serial);
  const bootedSerial = meaningfulSerial(booted.dmi.serial);
  if (bmcSerial !== undefined && bootedSerial !== undefined && bmcSerial !== bootedSerial) {
    mismatches.push({ fact: 'serial', bmc: bmcSerial, booted: bootedSerial });
  }
  const bootedMacs = new Set(booted.nics.map((n) => n.mac.toLowerCase()));
  const bmcMacs = bmc.macs.map((m) => m.toLowerCase());
  // BMCs list the NICs they know of (often only the onboard ones): one shared MAC is agreement.
  if (bmcMacs.length > 0 && bootedMacs.size > 0 && !bmcMacs.some((m) => bootedMacs.has(m))) {
    mismatches.push({ fact: 'macs', bmc: bmcMacs.join(','), booted: [...bootedMacs].join(',') });
  }
  return mismatches;
}

/** One sentence for an operator. */
export function describeIdentityMismatch(mismatches: readonly IdentityMismatch[]): string {
  const parts = mismatches.map((m) =>
    m.fact === 'serial'
      ? `the BMC reports serial ${m.bmc} but the booted machine has ${m.booted}`
      : `none of the BMC's MACs (${m.bmc}) is on the booted machine (${m.booted})`,
  );
  return `The machine that booted is not the one behind this BMC: ${parts.join('; ')}. Check the BMC address enrolled and the cabling; nothing was recorded.`;
}
