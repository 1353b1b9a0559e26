import type { BmcHardware } from '../../shared/inventory.js';
import type { Logger } from '../../shared/logger.js';
import type {
  BmcDriver,
  BmcInfo,
  BootDevice,
  BootFlags,
  BootOptions,
  ChassisStatus,
  PowerState,
  VirtualMedia,
} from './bmc-driver.js';
import { isBmcError } from './bmc-errors.js';

/**
 * Decorator that logs every BMC operation: one line when it finishes (`info` for changes, `debug`
 * for reads) with its duration, one `warn` with the failure type and code when it fails. It sees
 * operations and results only, never credentials.
 */
export class LoggingBmcDriver implements BmcDriver {
  constructor(
    private readonly inner: BmcDriver,
    private readonly logger: Logger,
    /** Fields added to every line, e.g. `{ assetId, bmc: '10.0.0.5:623' }`. Never the password. */
    private readonly context: Record<string, unknown> = {},
  ) {}

  get protocol(): BmcDriver['protocol'] {
    return this.inner.protocol;
  }

  get virtualMedia(): VirtualMedia | undefined {
    const media = this.inner.virtualMedia;
    if (media === undefined) return undefined;
    return {
      insert: (imageUrl) =>
        // Only the server: the path's token is what lets the BMC fetch an image holding a config URL.
        this.log('insertVirtualMedia', 'info', () => media.insert(imageUrl), undefined, {
          imageServer: new URL(imageUrl).host,
        }),
      eject: () => this.log('ejectVirtualMedia', 'info', () => media.eject()),
      bootOnce: (options) =>
        this.log('bootOnceFromVirtualMedia', 'info', () => media.bootOnce(options), undefined, options),
    };
  }

  powerState(): Promise<PowerState> {
    return this.log(
      'powerState',
      'debug',
      () => this.inner.powerState(),
      (power) => ({ power }),
    );
  }
  powerOn(): Promise<void> {
    return this.log('powerOn', 'info', () => this.inner.powerOn());
  }
  powerOff(): Promise<void> {
    return this.log('powerOff', 'info', () => this.inner.powerOff());
  }
  powerCycle(): Promise<void> {
    return this.log('powerCycle', 'info', () => this.inner.powerCycle());
  }
  powerSoft(): Promise<void> {
    return this.log('powerSoft', 'info', () => this.inner.powerSoft());
  }
  setBootDevice(device: BootDevice, options: BootOptions): Promise<void> {
    return this.log('setBootDevice', 'info', () => this.inner.setBootDevice(device, options), undefined, {
      device,
      ...options,
    });
  }
  bootFlags(): Promise<BootFlags> {
    return this.log(
      'bootFlags',
      'debug',
      () => this.inner.bootFlags(),
      (flags) => ({ bootFlags: flags }),
    );
  }
  chassisStatus(): Promise<ChassisStatus> {
    return this.log(
      'chassisStatus',
      'debug',
      () => this.inner.chassisStatus(),
      (status) => ({ power: status.power }),
    );
  }
  bmcInfo(): Promise<BmcInfo> {
    return this.log(
      'bmcInfo',
      'debug',
      () => this.inner.bmcInfo(),
      (info) => ({
        manufacturer: info.manufacturerName,
        firmware: info.firmwareRevision,
      }),
    );
  }
  hardware(): Promise<BmcHardware | undefined> {
    return this.log(
      'hardware',
      'debug',
      () => this.inner.hardware(),
      (hw) => (hw ? { drives: hw.drives.length, macs: hw.macs.length } : { hardware: 'none' }),
    );
  }
  checkCredentials(): Promise<void> {
    return this.log('checkCredentials', 'info', () => this.inner.checkCredentials());
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private async log<T>(
    operation: string,
    level: 'info' | 'debug',
    call: () => Promise<T>,
    describe?: (result: T) => Record<string, unknown>,
    input: Record<string, unknown> = {},
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      const durationMs = Math.round(performance.now() - started);
      this.logger[level](
        { ...this.context, operation, ...input, ...describe?.(result), durationMs },
        `BMC ${operation} done`,
      );
      return result;
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      const failure = isBmcError(err)
        ? {
            type: err.type,
            code: err.code,
            retryable: err.retryable,
            attempts: err.details.attempts,
            message: err.message,
          }
        : { message: err instanceof Error ? err.message : String(err) };
      this.logger.warn({ ...this.context, operation, ...input, durationMs, failure }, `BMC ${operation} failed`);
      throw err;
    }
  }
}
