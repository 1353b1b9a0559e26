import type { Logger } from '../../../shared/logger.js';
import type {
  BmcDriver,
  BmcInfo,
  BootDevice,
  BootFlags,
  BootOptions,
  ChassisStatus,
  PowerState,
} from '../bmc-driver.js';
import { BmcCommandFailedError, type BmcError, type BmcErrorDetails, BmcUnsupportedError } from '../bmc-errors.js';
import { bmcCommandQueue, type KeyedMutex } from '../bmc-queue.js';
import type { IpmiEndpoint } from '../ipmitool-command.js';
import { type PowerPoll, waitForPowerState } from '../power-wait.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from '../retry.js';
import * as ipmi from './rmcp-commands.js';
import type { CipherSuiteId } from './rmcp-crypto.js';
import { toBmcError } from './rmcp-failures.js';
import { toBmcInfo, toBootFlags, toChassisStatus } from './rmcp-answers.js';
import {
  Privilege,
  RmcpSession,
  type RmcpSessionOptions,
  type RmcpTraceEvent,
  type RetryPolicy as TransmitPolicy,
} from './rmcp-session.js';

/**
 * {@link BmcDriver} over the native RMCP+ client, a drop-in for `IpmitoolBmcDriver`: same endpoint,
 * same queue, same retry policy, same answers and failure types, method by method. What it adds is
 * a session that retransmits every handshake message, so it gets through a lossy management network
 * where ipmitool mostly does not (`test/integration/bmc/rmcp-session.test.ts`).
 */

/** What the driver needs of a session; {@link RmcpSession} is the real one. */
export interface IpmiSession extends ipmi.IpmiRequester {
  close(): Promise<void>;
}

/** Options of {@link RmcpBmcDriver}; every field has a production default. */
export interface RmcpDriverOptions {
  /**
   * Polling after power on/off, as `IpmitoolDriverOptions.powerPoll`.
   * Default `{ timeoutMs: 30_000, intervalMs: 1_000 }`.
   */
  powerPoll?: PowerPoll;
  /**
   * Retry of whole operations on transient failures, as `IpmitoolRunnerOptions.retry` (the same field
   * and meaning, so one options object tunes both drivers). Default {@link DEFAULT_RETRY_POLICY}.
   */
  retry?: RetryPolicy;
  /** Passed to every {@link RmcpSession}: retransmission of single messages and handshake rounds. */
  session?: { retry?: Partial<TransmitPolicy>; maxHandshakes?: number };
  /** Serialisation per BMC. Default: the process-wide queue ipmitool runs wait on too. */
  queue?: KeyedMutex;
  /**
   * Receives one debug line per session, one per retransmitted message or restarted handshake, and a
   * warning per retry. Never sees the password.
   */
  logger?: Logger;
  /** Pauses between retries; injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Opens a session; tests put a scripted BMC behind it. Default {@link RmcpSession.open}. */
  openSession?: (options: RmcpSessionOptions) => Promise<IpmiSession>;
}

const PRIVILEGES = {
  ADMINISTRATOR: Privilege.administrator,
  OPERATOR: Privilege.operator,
  USER: Privilege.user,
} as const;

/** Whether the native client implements the cipher suite (`rmcp-crypto.ts`). */
const implemented = (suite: number): suite is CipherSuiteId => suite === 3 || suite === 17;

/** Each call opens its own session and closes it, as ipmitool does: nothing to keep alive or leak. */
export class RmcpBmcDriver implements BmcDriver {
  readonly protocol = 'ipmi';
  /** `host:port` of the BMC, the key commands are serialised on. */
  readonly bmc: string;
  private readonly endpoint: Required<IpmiEndpoint>;
  private readonly lifetime = new AbortController();

  constructor(
    endpoint: IpmiEndpoint,
    private readonly options: RmcpDriverOptions = {},
  ) {
    this.endpoint = {
      ...endpoint,
      port: endpoint.port ?? 623,
      cipherSuite: endpoint.cipherSuite ?? 17,
      privilege: endpoint.privilege ?? 'ADMINISTRATOR',
    };
    this.bmc = `${this.endpoint.host}:${this.endpoint.port}`;
  }

  powerState(): Promise<PowerState> {
    return this.operate('powerState', readPower);
  }

  async powerOn(): Promise<void> {
    await this.operate('powerOn', (session) => ipmi.chassisControl(session, 'on'));
    await this.waitForPower('on');
  }

  async powerOff(): Promise<void> {
    await this.operate('powerOff', (session) => ipmi.chassisControl(session, 'off'));
    await this.waitForPower('off');
  }

  async powerCycle(): Promise<void> {
    // IPMI refuses a cycle of a chassis that is off ("not supported in present state"): power it on.
    const cycled = await this.operate('powerCycle', async (session) => {
      if ((await readPower(session)) === 'off') return false;
      await ipmi.chassisControl(session, 'cycle');
      return true;
    });
    if (!cycled) await this.powerOn();
  }

  async powerSoft(): Promise<void> {
    await this.operate('powerSoft', (session) => ipmi.chassisControl(session, 'soft'));
  }

  async setBootDevice(device: BootDevice, options: BootOptions): Promise<void> {
    await this.operate('setBootDevice', (session) => ipmi.writeBootDevice(session, device, options));
  }

  bootFlags(): Promise<BootFlags> {
    return this.operate('bootFlags', async (session) => toBootFlags(await ipmi.getBootFlags(session)));
  }

  chassisStatus(): Promise<ChassisStatus> {
    return this.operate('chassisStatus', async (session) => toChassisStatus(await ipmi.chassisStatus(session)));
  }

  bmcInfo(): Promise<BmcInfo> {
    return this.operate('bmcInfo', async (session) => toBmcInfo(await ipmi.deviceId(session)));
  }

  /** IPMI has no standard inventory of disks or NICs (FRU data is vendor-shaped): the SSH inventory covers it. */
  hardware(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async checkCredentials(): Promise<void> {
    // Opening a session at the configured privilege is the check; reading power proves it works.
    await this.operate('checkCredentials', readPower);
  }

  /** Aborts any session in progress for this driver; later calls fail. */
  async close(): Promise<void> {
    this.lifetime.abort(
      new BmcCommandFailedError('BMC driver closed', { retryable: false, details: { bmc: this.bmc } }),
    );
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

  /** Logs what a lossy link cost: messages sent more than once or never answered, handshakes started over. */
  private logLossy(event: RmcpTraceEvent): void {
    if (event.type === 'exchange' && event.transmissions <= 1 && event.answered) return;
    this.options.logger?.debug({ bmc: this.bmc, ...event }, 'rmcp retransmission');
  }

  /** Runs `use` in a session of its own, serialised per BMC, retried like an ipmitool run. */
  private operate<T>(operation: string, use: (session: IpmiSession) => Promise<T>): Promise<T> {
    const { signal } = this.lifetime;
    if (signal.aborted) return Promise.reject(signal.reason);
    const details: BmcErrorDetails = { bmc: this.bmc, operation };
    return withRetry(
      () => (this.options.queue ?? bmcCommandQueue).run(this.bmc, () => this.inSession(details, use)),
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      {
        signal,
        sleep: this.options.sleep,
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.logger?.warn(
            {
              bmc: this.bmc,
              operation,
              attempt,
              delayMs,
              err: { type: (error as BmcError).type, message: (error as Error).message },
            },
            'BMC command failed, retrying',
          ),
      },
    );
  }

  private async inSession<T>(details: BmcErrorDetails, use: (session: IpmiSession) => Promise<T>): Promise<T> {
    const { signal } = this.lifetime;
    const { host, port, username, password, cipherSuite, privilege } = this.endpoint;
    try {
      if (!implemented(cipherSuite))
        throw new BmcUnsupportedError(
          `Cipher suite ${cipherSuite} is not implemented by the native IPMI driver (it speaks 3 and 17)`,
          details,
        );
      this.options.logger?.debug({ bmc: this.bmc, operation: details.operation, cipherSuite }, 'rmcp session');
      const open = this.options.openSession ?? ((options: RmcpSessionOptions) => RmcpSession.open(options));
      const session = await open({
        host,
        port,
        username,
        password,
        cipherSuite,
        privilege: PRIVILEGES[privilege],
        retry: this.options.session?.retry,
        maxHandshakes: this.options.session?.maxHandshakes,
        signal,
        trace: this.options.logger && ((event) => this.logLossy(event)),
      });
      try {
        return await use(session);
      } finally {
        // Best effort, as in RmcpSession: a session the BMC never hears closed times out there.
        await session.close().catch(() => undefined);
      }
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw toBmcError(err, details);
    }
  }
}

async function readPower(session: IpmiSession): Promise<PowerState> {
  return (await ipmi.chassisStatus(session)).powerOn ? 'on' : 'off';
}
