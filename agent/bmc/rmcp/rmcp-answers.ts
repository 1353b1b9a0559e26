/**
 * Answers of the native IPMI client in the words and shapes `ipmitool-parsers.ts` returns for
 * ipmitool's output, so both drivers hand workflows the same values.
 */
import type { BmcInfo, BootFlags, ChassisStatus } from '../bmc-driver.js';
import { BmcCommandFailedError } from '../bmc-errors.js';
import { BOOT_DEVICE_SELECTORS, deviceOf } from '../ipmitool-boot-flags.js';
import type * as ipmi from './rmcp-commands.js';

/** Thrown for an answer ipmitool-parsers.ts would reject: acting on a misread value is worse than stopping. */
function unexpectedAnswer(what: string, reason: string): BmcCommandFailedError {
  return new BmcCommandFailedError(`Unexpected BMC answer to ${what}: ${reason}`, { retryable: false });
}

/** Causes of the last power event, in the order and words of ipmitool's `chassis status`. */
const POWER_EVENTS = [
  ['acFailed', 'ac-failed'],
  ['overload', 'overload'],
  ['interlock', 'interlock'],
  ['powerFault', 'fault'],
  ['command', 'command'],
] as const;

/** Returns Get Chassis Status as `parseChassisStatus` reads ipmitool's `chassis status`. */
export function toChassisStatus(status: ipmi.ChassisStatus): ChassisStatus {
  return {
    power: status.powerOn ? 'on' : 'off',
    powerOverload: status.powerOverload,
    powerInterlock: status.powerInterlock,
    mainPowerFault: status.powerFault,
    powerControlFault: status.powerControlFault,
    powerRestorePolicy: status.restorePolicy,
    lastPowerEvent: POWER_EVENTS.filter(([bit]) => status.lastPowerEvent[bit]).map(([, word]) => word),
    chassisIntrusion: status.chassisIntrusion,
    frontPanelLockout: status.frontPanelLockout,
    driveFault: status.driveFault,
    coolingFault: status.coolingFault,
  };
}

/** Returns boot flags as `parseBootFlags` reads `chassis bootparam get 5`; a reserved selector throws as there. */
export function toBootFlags(flags: ipmi.BootFlags): BootFlags {
  const description = BOOT_DEVICE_SELECTORS[flags.selector];
  if (description === undefined)
    throw unexpectedAnswer('Get System Boot Options', `reserved boot device selector 0x${flags.selector.toString(16)}`);
  return {
    valid: flags.valid,
    persistent: flags.persistent,
    efi: flags.efi,
    device: deviceOf(flags.selector),
    deviceDescription: description,
  };
}

/**
 * IANA enterprise numbers of common server BMC makers, named as in IANA's registry
 * (`/usr/share/misc/enterprise-numbers.txt` of 2024-05-16), where ipmitool 1.8.19 looks them up.
 * ipmitool reads the registry at run time, so its names follow the installed copy; a fixed table
 * keeps the native driver free of a 4.7 MB file for the one field only operators read.
 */
const MANUFACTURERS: Record<number, string> = {
  2: 'IBM (https://w3.ibm.com/standards )',
  11: 'Hewlett-Packard',
  42: 'Sun Microsystems',
  111: 'Oracle',
  343: 'Intel Corporation',
  674: 'Dell Inc.',
  2011: 'HUAWEI Technology Co.,Ltd',
  2623: 'ASUSTek Computer Inc.',
  3704: 'Advanced Micro Devices, Inc',
  4753: 'MontaVista Software, Inc.',
  5703: 'NVIDIA Corporation',
  5771: 'Cisco Systems, Inc.',
  6569: 'INVENTEC CORPORATION',
  6653: 'Tyan Computer Corporation',
  7244: 'Quanta Computer Inc.',
  10368: "Fujitsu Technology Solutions GmbH (formerly 'Fujitsu Siemens Computers')",
  10876: 'Super Micro Computer Inc.',
  11129: 'Google, Inc.',
  15370: 'GIGA-BYTE TECHNOLOGY CO., LTD',
  19046: 'Lenovo Enterprise Business Group',
  20301: 'IBM eServer X',
  20974: 'American Megatrends, Inc',
  21317: 'ATEN INTERNATIONAL CO., LTD.',
  25506: 'H3C',
  37945: 'Inspur(BeiJing) Electronic Information Industry Co.,Ltd',
  40092: 'Wiwynn Corporation',
  40981: 'Facebook, Inc.',
  47196: 'Hewlett Packard Enterprise',
  49622: 'ASRock Rack Incorporation',
  49871: 'OpenBMC Project',
  52538: 'Ampere Computing',
  58132: 'xFusion Digital Technologies Co., Ltd.',
};

/** Returns the maker's name as ipmitool's `mc info` prints it (`Unknown (0x...)` when not known). */
export function manufacturerName(id: number): string {
  // ipmitool's own names for the IPMI "unspecified" values come before the registry's.
  if (id === 0) return 'Unknown';
  if (id === 0x0fffff) return 'Unspecified';
  return MANUFACTURERS[id] ?? `Unknown (0x${hex(id)})`;
}

/** Returns Get Device ID as `parseMcInfo` reads `mc info`, rejecting the revisions it would reject. */
export function toBmcInfo(id: ipmi.DeviceId): BmcInfo {
  if (!/^\d+\.\d+$/.test(id.firmware))
    throw unexpectedAnswer('Get Device ID', `firmware revision ${id.firmware} is not BCD`);
  if (!/^\d+\.\d+$/.test(id.ipmiVersion))
    throw unexpectedAnswer('Get Device ID', `IPMI version ${id.ipmiVersion} is not BCD`);
  return {
    deviceId: id.deviceId,
    deviceRevision: id.deviceRevision,
    firmwareRevision: id.firmware,
    ipmiVersion: id.ipmiVersion,
    manufacturerId: id.manufacturerId,
    manufacturerName: manufacturerName(id.manufacturerId),
    productId: id.productId,
    // ipmitool names some Supermicro, Intel, Kontron and Advantech boards from a built-in table of
    // ~800 (`ipmi_oem_product_info`); every other product it prints like this.
    productName: `Unknown (0x${hex(id.productId)})`,
    deviceAvailable: id.deviceAvailable,
  };
}

/** ipmitool's `0x%02X`. */
export function hex(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
