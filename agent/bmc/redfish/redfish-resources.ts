/**
 * Pure readings of Redfish resources (ComputerSystem, Manager, Drive, EthernetInterface) into the
 * driver's types. BMCs differ in what they fill in: every reader tolerates a missing property.
 */
import type { BmcDrive, BmcHardware } from '../../../shared/inventory.js';
import type { BmcInfo, BootDevice, BootFlags, ChassisStatus, PowerState } from '../bmc-driver.js';

/** A Redfish resource: JSON with string keys. */
export type Resource = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const obj = (value: unknown): Resource => (value !== null && typeof value === 'object' ? (value as Resource) : {});

/** `@odata.id` links of a collection's `Members`. */
export function memberLinks(collection: unknown): string[] {
  const members = obj(collection).Members;
  if (!Array.isArray(members)) return [];
  return members.map((m) => str(obj(m)['@odata.id'])).filter((id): id is string => id !== null);
}

/** The `@odata.id` of a linked resource (`{ "Storage": { "@odata.id": "…" } }`), if any. */
export function link(resource: Resource, property: string): string | undefined {
  return str(obj(resource[property])['@odata.id']) ?? undefined;
}

/**
 * Redfish PowerState as the driver's two states. `PoweringOff` still counts as on and `PoweringOn`
 * as off: a caller waiting for a transition keeps waiting until it is complete.
 */
export function readPowerState(system: Resource): PowerState {
  const state = str(system.PowerState);
  if (state === 'On' || state === 'PoweringOff' || state === 'Paused') return 'on';
  if (state === 'Off' || state === 'PoweringOn') return 'off';
  throw new Error(`BMC reports no usable PowerState (${JSON.stringify(system.PowerState)})`);
}

/** Redfish `BootSourceOverrideTarget` for our boot devices. */
export const BOOT_TARGETS: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd' };

/** Reads the boot override of a ComputerSystem. */
export function readBootFlags(system: Resource): BootFlags {
  const boot = obj(system.Boot);
  const enabled = str(boot.BootSourceOverrideEnabled) ?? 'Disabled';
  const target = str(boot.BootSourceOverrideTarget) ?? 'None';
  const device: BootFlags['device'] =
    target === 'Pxe' ? 'pxe' : target === 'Hdd' ? 'disk' : target === 'None' ? 'none' : 'other';
  return {
    valid: enabled !== 'Disabled' && target !== 'None',
    persistent: enabled === 'Continuous',
    efi: str(boot.BootSourceOverrideMode) === 'UEFI',
    device,
    deviceDescription: `${target} (${enabled})`,
  };
}

/** Whether the system lets us choose UEFI vs legacy in the override (many BMCs leave the property out). */
export function supportsBootMode(system: Resource): boolean {
  return 'BootSourceOverrideMode' in obj(system.Boot);
}

/** The reset types the system accepts, from its `#ComputerSystem.Reset` action; empty when not listed. */
export function allowedResetTypes(system: Resource): string[] {
  const action = obj(obj(system.Actions)['#ComputerSystem.Reset']);
  const values = action['ResetType@Redfish.AllowableValues'];
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [];
}

/** The target URI of the Reset action (the DMTF default path when the BMC does not say). */
export function resetTarget(system: Resource, systemPath: string): string {
  const action = obj(obj(system.Actions)['#ComputerSystem.Reset']);
  return str(action.target) ?? `${systemPath}/Actions/ComputerSystem.Reset`;
}

/**
 * Picks the first reset type of `preferences` the BMC lists; when it lists none, the first one
 * (DMTF's standard name). iDRAC lacks `PowerCycle`; some Supermicro firmware lacks `ForceRestart`.
 */
export function chooseResetType(system: Resource, preferences: readonly string[]): string {
  const allowed = allowedResetTypes(system);
  if (allowed.length === 0) return preferences[0] as string;
  const found = preferences.find((p) => allowed.includes(p));
  if (found === undefined) {
    throw new Error(`BMC offers none of the reset types ${preferences.join(', ')} (it offers ${allowed.join(', ')})`);
  }
  return found;
}

const RESTORE_POLICY: Record<string, ChassisStatus['powerRestorePolicy']> = {
  AlwaysOn: 'always-on',
  AlwaysOff: 'always-off',
  LastState: 'previous',
};

/** Chassis status from a ComputerSystem and (optionally) its Chassis. Faults Redfish does not expose read false. */
export function readChassisStatus(system: Resource, chassis: Resource | undefined): ChassisStatus {
  return {
    power: readPowerState(system),
    powerOverload: false,
    powerInterlock: false,
    mainPowerFault: false,
    powerControlFault: false,
    powerRestorePolicy: RESTORE_POLICY[str(system.PowerRestorePolicy) ?? ''] ?? 'unknown',
    lastPowerEvent: [],
    chassisIntrusion: str(obj(chassis?.PhysicalSecurity).IntrusionSensor) === 'HardwareIntrusion',
    frontPanelLockout: false,
    driveFault: false,
    coolingFault: false,
  };
}

/** BMC identity from its Manager (IPMI's numeric ids do not exist in Redfish and read 0). */
export function readBmcInfo(manager: Resource, serviceRoot: Resource): BmcInfo {
  return {
    deviceId: 0,
    deviceRevision: 0,
    firmwareRevision: str(manager.FirmwareVersion) ?? '',
    ipmiVersion: '',
    manufacturerId: 0,
    manufacturerName: str(manager.Manufacturer) ?? str(serviceRoot.Vendor) ?? '',
    productId: 0,
    productName: str(manager.Model) ?? str(manager.Name) ?? '',
    deviceAvailable: (str(obj(manager.Status).State) ?? 'Enabled') === 'Enabled',
  };
}

/** Lower-case colon MAC, or null for anything that is not one (iDRAC reports `00-11-…` on some models). */
export function normaliseMac(value: unknown): string | null {
  const text = str(value)?.toLowerCase().replaceAll('-', ':');
  return text !== undefined && text !== null && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(text) ? text : null;
}

/** A Drive resource. */
export function readDrive(drive: Resource): BmcDrive {
  return {
    name: str(drive.Name) ?? str(drive.Id),
    model: str(drive.Model),
    serial: str(drive.SerialNumber),
    sizeBytes: num(drive.CapacityBytes),
    mediaType: str(drive.MediaType),
    protocol: str(drive.Protocol),
  };
}

/** The parts of a system's hardware collected from its linked resources. */
export interface HardwareParts {
  system: Resource;
  manager: Resource | undefined;
  processors: Resource[];
  drives: Resource[];
  interfaces: Resource[];
}

/** What the BMC reports of the machine. */
export function readHardware(parts: HardwareParts): BmcHardware {
  const { system } = parts;
  const summary = obj(system.ProcessorSummary);
  const memoryGib = num(obj(system.MemorySummary).TotalSystemMemoryGiB);
  const firstCpu = parts.processors.find((p) => str(p.Model) !== null);
  const macs = new Set<string>();
  for (const nic of parts.interfaces) {
    const mac = normaliseMac(nic.MACAddress) ?? normaliseMac(nic.PermanentMACAddress);
    if (mac !== null) macs.add(mac);
  }
  return {
    protocol: 'redfish',
    manufacturer: str(system.Manufacturer),
    model: str(system.Model),
    serial: str(system.SerialNumber),
    uuid: str(system.UUID),
    biosVersion: str(system.BiosVersion),
    bmcFirmware: parts.manager ? str(parts.manager.FirmwareVersion) : null,
    processors: {
      count: num(summary.Count) ?? (parts.processors.length > 0 ? parts.processors.length : null),
      model: str(summary.Model) ?? (firstCpu ? str(firstCpu.Model) : null),
    },
    // GiB as the BMC reports it (a decimal on some); bytes rounded.
    memoryBytes: memoryGib === null ? null : Math.round(memoryGib * 1024 ** 3),
    drives: parts.drives.map(readDrive),
    macs: [...macs],
  };
}
