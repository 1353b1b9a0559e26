import type { BmcInfo, BootDevice, ChassisStatus, PowerState } from './bmc-driver.js';
import { BmcCommandFailedError } from './bmc-errors.js';

/**
 * Pure parsers of ipmitool 1.8.x output (`test/fixtures/ipmitool/*.txt` are the spec). Strict: anything
 * unexpected throws a non-retryable `BmcCommandFailedError`, because acting on a misread power state or
 * boot device is worse than stopping.
 */

/** Thrown by the parsers: the BMC answered, but not in a form we understand. */
export function unexpectedOutput(what: string, output: string, reason: string): BmcCommandFailedError {
  return new BmcCommandFailedError(`Unexpected ipmitool output for ${what}: ${reason}`, {
    retryable: false,
    details: { output: output.slice(0, 2_000) },
  });
}

/** Non-empty lines without trailing whitespace (ipmitool pads some values with a trailing space). */
function lines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0);
}

/** Parses `power status`: exactly `Chassis Power is on|off`. */
export function parsePowerStatus(output: string): PowerState {
  const all = lines(output);
  const match = all.length === 1 ? /^Chassis Power is (on|off)$/.exec(all[0] ?? '') : null;
  if (!match) throw unexpectedOutput('power status', output, 'expected one line "Chassis Power is on|off"');
  return match[1] as PowerState;
}

/** The acknowledgement ipmitool prints for each `power <action>`. */
export const POWER_CONTROL_ACK = {
  on: 'Up/On',
  off: 'Down/Off',
  cycle: 'Cycle',
  soft: 'Soft',
  reset: 'Reset',
} as const;

/** Checks the acknowledgement of `power <action>` (`Chassis Power Control: Up/On`). */
export function parsePowerControl(output: string, action: keyof typeof POWER_CONTROL_ACK): void {
  const expected = `Chassis Power Control: ${POWER_CONTROL_ACK[action]}`;
  const all = lines(output);
  if (all.length !== 1 || all[0] !== expected)
    throw unexpectedOutput(`power ${action}`, output, `expected "${expected}"`);
}

/** Checks the acknowledgement of `chassis bootdev <device>` (`Set Boot Device to pxe`). */
export function parseBootdevAck(output: string, device: BootDevice): void {
  const expected = `Set Boot Device to ${device}`;
  const all = lines(output);
  if (all.length !== 1 || all[0] !== expected)
    throw unexpectedOutput('chassis bootdev', output, `expected "${expected}"`);
}

/**
 * Splits `Key   : value` lines into a map. Indented lines continue the previous key (lists such as
 * "Additional Device Support"). Throws on a line that is neither.
 */
export function parseKeyValues(what: string, output: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines(output)) {
    if (/^\s/.test(line) && current) {
      current.push(line.trim());
      continue;
    }
    const match = /^([^:\s][^:]*?)\s*:\s?(.*)$/.exec(line);
    if (!match) throw unexpectedOutput(what, output, `cannot read line "${line}"`);
    const key = match[1] as string;
    if (map.has(key)) throw unexpectedOutput(what, output, `"${key}" appears twice`);
    current = [match[2] ?? ''];
    map.set(key, current);
  }
  return map;
}

/** Reads one required key as a single value. */
export function required(what: string, output: string, map: Map<string, string[]>, key: string): string {
  const value = map.get(key);
  if (!value) throw unexpectedOutput(what, output, `missing "${key}"`);
  return value[0] ?? '';
}

/** Maps a value through a fixed table; anything else is an error. */
export function oneOf<T>(what: string, output: string, key: string, value: string, table: Record<string, T>): T {
  if (!Object.hasOwn(table, value)) throw unexpectedOutput(what, output, `"${key}" has unexpected value "${value}"`);
  return table[value] as T;
}

const BOOL = { true: true, false: false };
const ACTIVE = { active: true, inactive: false };
const CHASSIS_OPTIONAL_KEYS = new Set([
  'Front Panel Control',
  'Sleep Button Disable',
  'Diag Button Disable',
  'Reset Button Disable',
  'Power Button Disable',
  'Sleep Button Disabled',
  'Diag Button Disabled',
  'Reset Button Disabled',
  'Power Button Disabled',
]);
const POWER_EVENTS = new Set(['ac-failed', 'overload', 'interlock', 'fault', 'command']);

/** Parses `chassis status`. The front-panel lines (optional byte 4 of the answer) are accepted and ignored. */
export function parseChassisStatus(output: string): ChassisStatus {
  const what = 'chassis status';
  const kv = parseKeyValues(what, output);
  const get = (key: string): string => required(what, output, kv, key);
  const flag = (key: string, table: Record<string, boolean>): boolean => oneOf(what, output, key, get(key), table);
  const requiredKeys = [
    'System Power',
    'Power Overload',
    'Power Interlock',
    'Main Power Fault',
    'Power Control Fault',
    'Power Restore Policy',
    'Last Power Event',
    'Chassis Intrusion',
    'Front-Panel Lockout',
    'Drive Fault',
    'Cooling/Fan Fault',
  ];
  for (const key of kv.keys()) {
    if (!requiredKeys.includes(key) && !CHASSIS_OPTIONAL_KEYS.has(key))
      throw unexpectedOutput(what, output, `unknown key "${key}"`);
  }
  const lastPowerEvent = get('Last Power Event').split(/\s+/).filter(Boolean);
  for (const event of lastPowerEvent) {
    if (!POWER_EVENTS.has(event)) throw unexpectedOutput(what, output, `unknown power event "${event}"`);
  }
  return {
    power: oneOf(what, output, 'System Power', get('System Power'), { on: 'on', off: 'off' } as const),
    powerOverload: flag('Power Overload', BOOL),
    powerInterlock: flag('Power Interlock', ACTIVE),
    mainPowerFault: flag('Main Power Fault', BOOL),
    powerControlFault: flag('Power Control Fault', BOOL),
    powerRestorePolicy: oneOf(what, output, 'Power Restore Policy', get('Power Restore Policy'), {
      'always-off': 'always-off',
      previous: 'previous',
      'always-on': 'always-on',
      unknown: 'unknown',
    } as const),
    lastPowerEvent,
    chassisIntrusion: flag('Chassis Intrusion', ACTIVE),
    frontPanelLockout: flag('Front-Panel Lockout', ACTIVE),
    driveFault: flag('Drive Fault', BOOL),
    coolingFault: flag('Cooling/Fan Fault', BOOL),
  };
}

/** Parses `mc info` (IPMI Get Device ID). */
export function parseMcInfo(output: string): BmcInfo {
  const what = 'mc info';
  const kv = parseKeyValues(what, output);
  const get = (key: string): string => required(what, output, kv, key);
  const int = (key: string): number => {
    const value = get(key);
    if (!/^\d+$/.test(value)) throw unexpectedOutput(what, output, `"${key}" is not a number: "${value}"`);
    return Number(value);
  };
  const product = /^(\d+) \(0x[0-9a-f]+\)$/i.exec(get('Product ID'));
  if (!product) throw unexpectedOutput(what, output, `"Product ID" is not "<n> (0x<hex>)"`);
  const firmwareRevision = get('Firmware Revision');
  const ipmiVersion = get('IPMI Version');
  if (!/^\d+\.\d+$/.test(firmwareRevision)) throw unexpectedOutput(what, output, 'bad "Firmware Revision"');
  if (!/^\d+\.\d+$/.test(ipmiVersion)) throw unexpectedOutput(what, output, 'bad "IPMI Version"');
  return {
    deviceId: int('Device ID'),
    deviceRevision: int('Device Revision'),
    firmwareRevision,
    ipmiVersion,
    manufacturerId: int('Manufacturer ID'),
    manufacturerName: get('Manufacturer Name'),
    productId: Number(product[1]),
    productName: get('Product Name'),
    deviceAvailable: oneOf(what, output, 'Device Available', get('Device Available'), { yes: true, no: false }),
  };
}
