/**
 * The few IPMI commands provisioning needs, typed, on an open {@link RmcpSession}. Completion codes
 * other than 0 become {@link RmcpCommandError}s; response bytes become named fields.
 */
import { type IpmiResponse, RmcpError } from './rmcp-session.js';

/** What the commands need of a session: one request/response exchange. */
export interface IpmiRequester {
  request(netFn: number, cmd: number, data?: Uint8Array): Promise<IpmiResponse>;
}

const NETFN_CHASSIS = 0x00;
const NETFN_APP = 0x06;

/** The BMC answered the command with a non-zero completion code. */
export class RmcpCommandError extends Error {
  readonly kind = 'command';
  constructor(
    readonly command: string,
    readonly completionCode: number,
  ) {
    super(`${command} failed with completion code 0x${completionCode.toString(16).padStart(2, '0')}`);
    this.name = 'RmcpCommandError';
  }
}

async function call(
  session: IpmiRequester,
  name: string,
  netFn: number,
  cmd: number,
  data: number[],
  minLength: number,
): Promise<Buffer> {
  const response = await session.request(netFn, cmd, Buffer.from(data));
  if (response.completionCode !== 0) throw new RmcpCommandError(name, response.completionCode);
  if (response.data.length < minLength)
    throw new RmcpCommandError(`${name} (response of ${response.data.length} bytes, need ${minLength})`, 0xff);
  return response.data;
}

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  powerInterlock: boolean;
  powerFault: boolean;
  powerControlFault: boolean;
  /** What the chassis does when AC power returns. */
  restorePolicy: 'always-off' | 'previous' | 'always-on' | 'unknown';
  /** Causes of the last power event (response byte 2); all false when the BMC records none. */
  lastPowerEvent: {
    acFailed: boolean;
    overload: boolean;
    interlock: boolean;
    powerFault: boolean;
    /** Powered on or off by an IPMI command. */
    command: boolean;
  };
  chassisIntrusion: boolean;
  frontPanelLockout: boolean;
  driveFault: boolean;
  coolingFault: boolean;
}

const RESTORE_POLICIES = ['always-off', 'previous', 'always-on', 'unknown'] as const;

/** Decodes the data of a Get Chassis Status response (spec table 28-3): the three mandatory bytes. */
export function decodeChassisStatus(data: Buffer): ChassisStatus {
  const power = data.readUInt8(0);
  const event = data.readUInt8(1);
  const misc = data.readUInt8(2);
  return {
    powerOn: (power & 0x01) !== 0,
    powerOverload: (power & 0x02) !== 0,
    powerInterlock: (power & 0x04) !== 0,
    powerFault: (power & 0x08) !== 0,
    powerControlFault: (power & 0x10) !== 0,
    restorePolicy: RESTORE_POLICIES[(power >> 5) & 0x03] ?? 'unknown',
    lastPowerEvent: {
      acFailed: (event & 0x01) !== 0,
      overload: (event & 0x02) !== 0,
      interlock: (event & 0x04) !== 0,
      powerFault: (event & 0x08) !== 0,
      command: (event & 0x10) !== 0,
    },
    chassisIntrusion: (misc & 0x01) !== 0,
    frontPanelLockout: (misc & 0x02) !== 0,
    driveFault: (misc & 0x04) !== 0,
    coolingFault: (misc & 0x08) !== 0,
  };
}

/** Get Chassis Status (spec §28.2). */
export async function chassisStatus(session: IpmiRequester): Promise<ChassisStatus> {
  return decodeChassisStatus(await call(session, 'Get Chassis Status', NETFN_CHASSIS, 0x01, [], 3));
}

export type ChassisAction = 'off' | 'on' | 'cycle' | 'reset' | 'soft';

const CHASSIS_ACTIONS: Record<ChassisAction, number> = { off: 0, on: 1, cycle: 2, reset: 3, soft: 5 };

/** Chassis Control (spec §28.3); `soft` is the ACPI soft shutdown. */
export async function chassisControl(session: IpmiRequester, action: ChassisAction): Promise<void> {
  await call(session, `Chassis Control ${action}`, NETFN_CHASSIS, 0x02, [CHASSIS_ACTIONS[action]], 0);
}

export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios';

/** Boot device selector of boot flags byte 2, bits 5:2 (spec table 28-14). */
const BOOT_DEVICE_SELECTORS: Record<BootDevice, number> = { pxe: 0x04, disk: 0x08, cdrom: 0x14, bios: 0x18 };

const BOOT_FLAG_VALID = 0x80;
const BOOT_FLAG_PERSISTENT = 0x40;
const BOOT_FLAG_EFI = 0x20;
const BOOT_FLAGS_PARAMETER = 5;

export interface BootOptions {
  /** Next boot only (the BIOS clears it after one boot) rather than every boot. */
  once: boolean;
  efi: boolean;
}

/** Set System Boot Options, boot flags parameter (spec §28.12, table 28-14). */
export async function setBootDevice(session: IpmiRequester, device: BootDevice, options: BootOptions): Promise<void> {
  const flags = BOOT_FLAG_VALID | (options.once ? 0 : BOOT_FLAG_PERSISTENT) | (options.efi ? BOOT_FLAG_EFI : 0);
  await call(
    session,
    `Set System Boot Options (boot device ${device})`,
    NETFN_CHASSIS,
    0x08,
    [BOOT_FLAGS_PARAMETER, flags, BOOT_DEVICE_SELECTORS[device], 0x00, 0x00, 0x00],
    0,
  );
}

/** Boot option parameters `chassis bootdev` writes besides the flags (spec table 28-14). */
const BOOT_PARAMETER_SET_IN_PROGRESS = 0;
const BOOT_PARAMETER_INFO_ACKNOWLEDGE = 4;
const SET_COMPLETE = 0;
const SET_IN_PROGRESS = 1;
const COMMIT_WRITE = 2;
/** Boot info acknowledge: mask "BIOS/POST", data "not acknowledged" (clears the BIOS's acknowledge). */
const CLEAR_BIOS_ACKNOWLEDGE = [0x01, 0x01];

/** Set System Boot Options for one parameter (spec §28.12). */
export async function setBootParameter(session: IpmiRequester, parameter: number, data: number[]): Promise<void> {
  await call(
    session,
    `Set System Boot Options (parameter ${parameter})`,
    NETFN_CHASSIS,
    0x08,
    [parameter & 0x7f, ...data],
    0,
  );
}

/** Swallows the BMC's refusal of a command; anything else (no answer, abort) propagates. */
function refused(err: unknown): void {
  if (!(err instanceof RmcpCommandError)) throw err;
}

/** Swallows a refusal or a lost answer, for the writes that follow boot flags already set. */
function refusedOrUnanswered(err: unknown): void {
  if (!(err instanceof RmcpError && err.kind === 'unreachable')) refused(err);
}

/**
 * Sets the boot device the way `ipmitool chassis bootdev` does (1.8.19, `ipmi_chassis_set_bootdev`),
 * so both IPMI drivers leave a BMC in the same state: mark the parameters "set in progress", clear the
 * BIOS's boot info acknowledge (a BIOS that acknowledged earlier flags may skip new ones), write the
 * flags, commit, mark "set complete". Only the flags must be accepted: many BMCs (ipmi_sim among them)
 * refuse "set in progress", and ipmitool then leaves it out, as it ignores a refused acknowledge.
 */
export async function writeBootDevice(session: IpmiRequester, device: BootDevice, options: BootOptions): Promise<void> {
  const inProgress = await setBootParameter(session, BOOT_PARAMETER_SET_IN_PROGRESS, [SET_IN_PROGRESS]).then(
    () => true,
    (err: unknown) => {
      refused(err);
      return false;
    },
  );
  let failure: unknown;
  try {
    await setBootParameter(session, BOOT_PARAMETER_INFO_ACKNOWLEDGE, CLEAR_BIOS_ACKNOWLEDGE).catch(refused);
    await setBootDevice(session, device, options);
    if (inProgress)
      await setBootParameter(session, BOOT_PARAMETER_SET_IN_PROGRESS, [COMMIT_WRITE]).catch(refusedOrUnanswered);
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    // A BMC that stopped answering will not take "set complete" either; the caller's retry ends with one.
    if (inProgress && !(failure instanceof RmcpError))
      await setBootParameter(session, BOOT_PARAMETER_SET_IN_PROGRESS, [SET_COMPLETE]).catch(refusedOrUnanswered);
  }
}

export interface BootFlags {
  /** False when the BMC holds no override (boot flags not valid). */
  valid: boolean;
  persistent: boolean;
  efi: boolean;
  /** The selected device; `none` for "no override", `other` for a selector not named here. */
  device: BootDevice | 'none' | 'other';
  /** The raw boot device selector (flags byte 2, bits 5:2), for devices `device` does not name. */
  selector: number;
}

/** Get System Boot Options, boot flags parameter (spec §28.13). */
export async function getBootFlags(session: IpmiRequester): Promise<BootFlags> {
  const data = await call(session, 'Get System Boot Options', NETFN_CHASSIS, 0x09, [BOOT_FLAGS_PARAMETER, 0, 0], 7);
  const flags = data.readUInt8(2);
  const selector = data.readUInt8(3) & 0x3c;
  const named = (Object.keys(BOOT_DEVICE_SELECTORS) as BootDevice[]).find((d) => BOOT_DEVICE_SELECTORS[d] === selector);
  return {
    valid: (flags & BOOT_FLAG_VALID) !== 0,
    persistent: (flags & BOOT_FLAG_PERSISTENT) !== 0,
    efi: (flags & BOOT_FLAG_EFI) !== 0,
    device: selector === 0 ? 'none' : (named ?? 'other'),
    selector: selector >> 2,
  };
}

export interface DeviceId {
  deviceId: number;
  deviceRevision: number;
  /** Major and minor firmware revision, the minor as its two BCD digits (`9.08`), as ipmitool prints it. */
  firmware: string;
  ipmiVersion: string;
  manufacturerId: number;
  productId: number;
  /** False while the device is updating firmware or self-initialising (firmware revision 1, bit 7). */
  deviceAvailable: boolean;
}

/** Get Device ID (spec §20.1). */
export async function deviceId(session: IpmiRequester): Promise<DeviceId> {
  const data = await call(session, 'Get Device ID', NETFN_APP, 0x01, [], 11);
  const hex = (nibbles: number): string => nibbles.toString(16);
  const ipmi = data.readUInt8(4);
  const firmwareMajor = data.readUInt8(2);
  return {
    deviceId: data.readUInt8(0),
    deviceRevision: data.readUInt8(1) & 0x0f,
    firmware: `${firmwareMajor & 0x7f}.${data.readUInt8(3).toString(16).padStart(2, '0')}`,
    ipmiVersion: `${hex(ipmi & 0x0f)}.${hex(ipmi >> 4)}`,
    manufacturerId: data.readUIntLE(6, 3) & 0x0fffff,
    productId: data.readUInt16LE(9),
    deviceAvailable: (firmwareMajor & 0x80) === 0,
  };
}
