/**
 * The agent's view of a server's baseboard management controller. Workflows say "power off",
 * "boot once from PXE"; a driver turns that into IPMI (`ipmitool-driver.ts`) or Redfish
 * (`redfish/redfish-driver.ts`).
 * Every method is idempotent (power on twice = on) and throws only the errors of `bmc-errors.ts`.
 */

import type { BmcProtocol } from '../../shared/bmc-endpoint.js';
import type { BmcHardware } from '../../shared/inventory.js';

/** Chassis power as the BMC reports it. */
export type PowerState = 'on' | 'off';

/** The boot devices Rackpilot asks for: network boot into the agent's PXE chain, or the installed disk. */
export type BootDevice = 'pxe' | 'disk';

/** How to apply a boot device. */
export interface BootOptions {
  /** True: only the next boot (IPMI "options apply to only next boot"); false: every boot from now on. */
  once: boolean;
  /** True: UEFI boot (IPMI `efiboot`); false: legacy BIOS. */
  efi: boolean;
}

/** Boot override flags as read back from the BMC (IPMI boot parameter 5). */
export interface BootFlags {
  /** Whether the BMC holds a valid override. Many BMCs clear this after the boot it applied to. */
  valid: boolean;
  /** True when the override applies to every boot, false for the next boot only. */
  persistent: boolean;
  efi: boolean;
  /** The forced device; `none` when no override, `other` for devices Rackpilot never sets (CD, BIOS setup...). */
  device: BootDevice | 'none' | 'other';
  /** The device as the BMC tool names it, for operators (`Force PXE`). */
  deviceDescription: string;
}

/** The parts of IPMI "Get Chassis Status" that decisions depend on. */
export interface ChassisStatus {
  power: PowerState;
  powerOverload: boolean;
  powerInterlock: boolean;
  mainPowerFault: boolean;
  powerControlFault: boolean;
  powerRestorePolicy: 'always-off' | 'previous' | 'always-on' | 'unknown';
  /** Causes of the last power event as listed by the BMC (`ac-failed`, `command`, ...); empty when none. */
  lastPowerEvent: string[];
  chassisIntrusion: boolean;
  frontPanelLockout: boolean;
  driveFault: boolean;
  coolingFault: boolean;
}

/** Identity of the BMC itself (IPMI "Get Device ID"). */
export interface BmcInfo {
  deviceId: number;
  deviceRevision: number;
  firmwareRevision: string;
  ipmiVersion: string;
  manufacturerId: number;
  manufacturerName: string;
  productId: number;
  productName: string;
  deviceAvailable: boolean;
}

/** A BMC's virtual CD: an ISO it downloads itself from a URL, and a one-time boot from it. */
export interface VirtualMedia {
  /** Inserts the ISO at `imageUrl` (ejecting what was there); the BMC must reach the URL. */
  insert(imageUrl: string): Promise<void>;
  /** Ejects the virtual CD; nothing inserted is fine. */
  eject(): Promise<void>;
  /** Makes the virtual CD the device of the next boot only. */
  bootOnce(options: Pick<BootOptions, 'efi'>): Promise<void>;
}

/** One server's BMC. Implementations serialise commands per BMC and retry transient failures themselves. */
export interface BmcDriver {
  /** The protocol this driver speaks. */
  readonly protocol: BmcProtocol;
  /** The BMC's virtual CD, where the driver can drive one (Redfish); absent otherwise (IPMI has none). */
  readonly virtualMedia?: VirtualMedia;
  /** Returns the current chassis power state. */
  powerState(): Promise<PowerState>;
  /** Powers the server on; a server already on stays on. */
  powerOn(): Promise<void>;
  /** Powers the server off hard (no OS shutdown); a server already off stays off. */
  powerOff(): Promise<void>;
  /** Power-cycles the server; a server that is off is powered on instead (IPMI refuses a cycle when off). */
  powerCycle(): Promise<void>;
  /** Asks the OS to shut down (ACPI soft-off); returns when the request is accepted, not when the server is off. */
  powerSoft(): Promise<void>;
  /** Sets the boot device for the next boot (`once`) or for every boot. */
  setBootDevice(device: BootDevice, options: BootOptions): Promise<void>;
  /** Reads the boot override the BMC currently holds. */
  bootFlags(): Promise<BootFlags>;
  /** Returns chassis power and fault state. */
  chassisStatus(): Promise<ChassisStatus>;
  /** Returns the BMC's identity and firmware. */
  bmcInfo(): Promise<BmcInfo>;
  /**
   * What the BMC reports of the machine (model, serial, CPUs, memory, drives, MACs) without booting
   * it; `undefined` when the protocol reports nothing useful (IPMI).
   */
  hardware(): Promise<BmcHardware | undefined>;
  /** Opens a session with the configured credentials; throws `BmcAuthFailed` when they are wrong. */
  checkCredentials(): Promise<void>;
  /** Releases what the driver holds. Commands after `close()` fail. */
  close(): Promise<void>;
}
