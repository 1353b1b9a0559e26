import type {
  BmcDriver,
  BmcInfo,
  BootDevice,
  BootFlags,
  BootOptions,
  ChassisStatus,
  PowerState,
} from './bmc-driver.js';
import { type BmcError, BmcCommandFailedError } from './bmc-errors.js';
import type { BmcProtocol } from '../../shared/bmc-endpoint.js';
import type { BmcHardware } from '../../shared/inventory.js';

/**
 * An in-memory {@link BmcDriver} for unit tests of code that drives BMCs (agent jobs, workflows'
 * activities). It behaves like a well-mannered BMC, records every call, and can be told to fail.
 */

/** One recorded call. */
export interface FakeBmcCall {
  operation: keyof BmcDriver;
  args: unknown[];
}

/** Initial state of a {@link FakeBmcDriver}. */
export interface FakeBmcState {
  power: PowerState;
  boot: BootFlags;
  info: BmcInfo;
  protocol: BmcProtocol;
  /** What `hardware()` returns (a Redfish BMC's report); none by default, like IPMI. */
  hardware: BmcHardware | undefined;
}

/** Default identity of a fake BMC. */
export const FAKE_BMC_INFO: BmcInfo = {
  deviceId: 32,
  deviceRevision: 1,
  firmwareRevision: '1.00',
  ipmiVersion: '2.0',
  manufacturerId: 0,
  manufacturerName: 'Rackpilot fake BMC',
  productId: 1,
  productName: 'fake',
  deviceAvailable: true,
};

const NO_OVERRIDE: BootFlags = {
  valid: false,
  persistent: false,
  efi: false,
  device: 'none',
  deviceDescription: 'No override',
};
const DESCRIPTIONS: Record<BootDevice, string> = { pxe: 'Force PXE', disk: 'Force Boot from default Hard-Drive' };

export class FakeBmcDriver implements BmcDriver {
  readonly protocol: BmcProtocol;
  readonly calls: FakeBmcCall[] = [];
  reportedHardware: BmcHardware | undefined;
  power: PowerState;
  boot: BootFlags;
  info: BmcInfo;
  /** Devices booted so far, in order (power on from off, cycle), as a PXE-aware test would see them. */
  readonly boots: ('pxe' | 'disk')[] = [];
  closed = false;
  private readonly failures = new Map<keyof BmcDriver, BmcError[]>();

  constructor(initial: Partial<FakeBmcState> = {}) {
    this.power = initial.power ?? 'off';
    this.boot = initial.boot ?? NO_OVERRIDE;
    this.info = initial.info ?? FAKE_BMC_INFO;
    this.protocol = initial.protocol ?? 'ipmi';
    this.reportedHardware = initial.hardware;
  }

  /** Makes the next calls of `operation` throw `errors`, one per call, in order. */
  failNext(operation: keyof BmcDriver, ...errors: BmcError[]): this {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
    return this;
  }

  /** Names of the operations called so far, in order. */
  get operations(): string[] {
    return this.calls.map((call) => call.operation);
  }

  async powerState(): Promise<PowerState> {
    this.enter('powerState');
    return this.power;
  }

  async powerOn(): Promise<void> {
    this.enter('powerOn');
    if (this.power === 'off') this.bootNow();
    this.power = 'on';
  }

  async powerOff(): Promise<void> {
    this.enter('powerOff');
    this.power = 'off';
  }

  async powerCycle(): Promise<void> {
    this.enter('powerCycle');
    this.bootNow();
    this.power = 'on';
  }

  async powerSoft(): Promise<void> {
    this.enter('powerSoft');
    this.power = 'off';
  }

  async setBootDevice(device: BootDevice, options: BootOptions): Promise<void> {
    this.enter('setBootDevice', device, options);
    this.boot = {
      valid: true,
      persistent: !options.once,
      efi: options.efi,
      device,
      deviceDescription: DESCRIPTIONS[device],
    };
  }

  async bootFlags(): Promise<BootFlags> {
    this.enter('bootFlags');
    return { ...this.boot };
  }

  async chassisStatus(): Promise<ChassisStatus> {
    this.enter('chassisStatus');
    return {
      power: this.power,
      powerOverload: false,
      powerInterlock: false,
      mainPowerFault: false,
      powerControlFault: false,
      powerRestorePolicy: 'always-off',
      lastPowerEvent: [],
      chassisIntrusion: false,
      frontPanelLockout: false,
      driveFault: false,
      coolingFault: false,
    };
  }

  async bmcInfo(): Promise<BmcInfo> {
    this.enter('bmcInfo');
    return { ...this.info };
  }

  async hardware(): Promise<BmcHardware | undefined> {
    this.enter('hardware');
    return this.reportedHardware;
  }

  async checkCredentials(): Promise<void> {
    this.enter('checkCredentials');
  }

  async close(): Promise<void> {
    this.calls.push({ operation: 'close', args: [] });
    this.closed = true;
  }

  private enter(operation: keyof BmcDriver, ...args: unknown[]): void {
    this.calls.push({ operation, args });
    if (this.closed) throw new BmcCommandFailedError('BMC driver closed', { retryable: false });
    const error = this.failures.get(operation)?.shift();
    if (error) throw error;
  }

  private bootNow(): void {
    const device =
      this.boot.valid && (this.boot.device === 'pxe' || this.boot.device === 'disk') ? this.boot.device : 'disk';
    this.boots.push(device);
    if (this.boot.valid && !this.boot.persistent) this.boot = NO_OVERRIDE;
  }
}
