/**
 * Boot-time events the boot services observe. The agent forwards them to the API, where they
 * become workflow signals (a provisioning workflow waits for `config-fetched`, for instance).
 */

/**
 * What happened: a per-machine iPXE script, a boot artifact or a Talos machine config was served,
 * or a booted utility OS phoned home (`POST /hello`).
 */
export type BootEventType = 'ipxe-served' | 'config-fetched' | 'artifact-served' | 'utility-ready';

/** One observed boot event, attributed to the job whose boot plan covered the machine. */
export interface BootEvent {
  readonly type: BootEventType;
  /** Normalised MAC of the machine. */
  readonly mac: string;
  readonly assetId: string;
  readonly jobId: string;
  /** ISO 8601 time the event was observed. */
  readonly at: string;
  /** Plan kind for `ipxe-served`, artifact name for `artifact-served`. */
  readonly detail?: string;
  /** For `utility-ready`: the BMC address the utility OS read from its own BMC, when it could. */
  readonly bmcAddress?: string;
  /** For `utility-ready`: where the utility OS's SSH server answers (`host:port`). */
  readonly address?: string;
}

/** Receives boot events. Must not throw into the boot path: failures are logged and dropped by the caller. */
export type BootEventSink = (event: BootEvent) => void | Promise<void>;
