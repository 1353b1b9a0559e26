import type {
  BmcDriver,
  BmcInfo,
  BootDevice,
  BootFlags,
  BootOptions,
  ChassisStatus,
  PowerState,
} from './bmc-driver.js';
import { BmcCommandFailedError } from './bmc-errors.js';
import { waitForPowerState } from './power-wait.js';
import { parseBootFlags } from './ipmitool-boot-flags.js';
import { type IpmiEndpoint, IpmitoolRunner, type IpmitoolRunnerOptions } from './ipmitool-command.js';
import type { POWER_CONTROL_ACK } from './ipmitool-parsers.js';
import {
  parseBootdevAck,
  parseChassisStatus,
  parseMcInfo,
  parsePowerControl,
  parsePowerStatus,
} from './ipmitool-parsers.js';

/** Options of {@link IpmitoolBmcDriver}. */
export interface IpmitoolDriverOptions extends IpmitoolRunnerOptions {
  /**
   * After power on/off, poll `power status` until the chassis reports the new state. Many BMCs
   * acknowledge at once and switch a few seconds later. `false` turns polling off.
   * Default `{ timeoutMs: 30_000, intervalMs: 1_000 }`.
   */
  powerPoll?: { timeoutMs: number; intervalMs: number } | false;
}

/**
 * {@link BmcDriver} over `ipmitool -I lanplus` (there is no maintained IPMI library for Node).
 * Each call opens its own RMCP+ session, so there is no session to keep alive or leak.
 */
export class IpmitoolBmcDriver implements BmcDriver {
  readonly protocol = 'ipmi';
  private readonly runner: IpmitoolRunner;
  private readonly lifetime = new AbortController();

  constructor(
    endpoint: IpmiEndpoint,
    private readonly options: IpmitoolDriverOptions = {},
  ) {
    this.runner = new IpmitoolRunner(endpoint, options);
  }

  /** `host:port` of the BMC, the key commands are serialised on. */
  get bmc(): string {
    return this.runner.key;
  }

  powerState(): Promise<PowerState> {
    return this.exec('powerState', ['power', 'status'], parsePowerStatus);
  }

  async powerOn(): Promise<void> {
    await this.powerControl('powerOn', 'on');
    await this.waitForPower('on');
  }

  async powerOff(): Promise<void> {
    await this.powerControl('powerOff', 'off');
    await this.waitForPower('off');
  }

  async powerCycle(): Promise<void> {
    // IPMI refuses a cycle of a chassis that is off ("not supported in present state"): power it on.
    if ((await this.powerState()) === 'off') return this.powerOn();
    await this.powerControl('powerCycle', 'cycle');
  }

  async powerSoft(): Promise<void> {
    await this.powerControl('powerSoft', 'soft');
  }

  async setBootDevice(device: BootDevice, options: BootOptions): Promise<void> {
    const flags = [...(options.once ? [] : ['persistent']), ...(options.efi ? ['efiboot'] : [])];
    const command = ['chassis', 'bootdev', device, ...(flags.length > 0 ? [`options=${flags.join(',')}`] : [])];
    await this.exec('setBootDevice', command, (stdout) => parseBootdevAck(stdout, device));
  }

  bootFlags(): Promise<BootFlags> {
    return this.exec('bootFlags', ['chassis', 'bootparam', 'get', '5'], parseBootFlags);
  }

  chassisStatus(): Promise<ChassisStatus> {
    return this.exec('chassisStatus', ['chassis', 'status'], parseChassisStatus);
  }

  bmcInfo(): Promise<BmcInfo> {
    return this.exec('bmcInfo', ['mc', 'info'], parseMcInfo);
  }

  /** IPMI has no standard inventory of disks or NICs (FRU data is vendor-shaped): the SSH inventory covers it. */
  hardware(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async checkCredentials(): Promise<void> {
    // Opening a session at the configured privilege is the check; `power status` is the cheapest command.
    await this.exec('checkCredentials', ['power', 'status'], parsePowerStatus);
  }

  /** Kills any ipmitool still running for this driver; later calls fail. */
  async close(): Promise<void> {
    this.lifetime.abort(
      new BmcCommandFailedError('BMC driver closed', { retryable: false, details: { bmc: this.bmc } }),
    );
  }

  private async powerControl(operation: string, action: keyof typeof POWER_CONTROL_ACK): Promise<void> {
    await this.exec(operation, ['power', action], (stdout) => parsePowerControl(stdout, action));
  }

  private waitForPower(target: PowerState): Promise<void> {
    return waitForPowerState({
      read: () => this.powerState(),
      target,
      poll: this.options.powerPoll ?? { timeoutMs: 30_000, intervalMs: 1_000 },
      bmc: this.bmc,
      signal: this.lifetime.signal,
    });
  }

  private exec<T>(operation: string, command: string[], parse: (stdout: string) => T): Promise<T> {
    if (this.lifetime.signal.aborted) return Promise.reject(this.lifetime.signal.reason);
    return this.runner.execute(operation, command, parse, this.lifetime.signal);
  }
}
