/**
 * One simulated server: its disks (sparse files), a real BMC reached on the server's own loopback
 * address — `ipmi_sim` (IPMI over LAN) or `sushy-emulator` (Redfish over HTTPS) — and a power
 * state machine driven by that BMC. Power on boots (POST, then PXE, virtual CD or disk per the
 * BMC's boot device); power off stops whatever ran.
 */
import { mkdir, open } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { BmcProtocol } from '../../shared/bmc-endpoint.js';
import { startIpmiSim, type SimBootDevice } from '../bmc/ipmi-sim.js';
import { startRedfishBmc, type RedfishBootDevice, type RedfishSystemState } from '../bmc/redfish-bmc.js';
import { labSystemUuid } from '../bmc/sushy-files.js';
import type { TalosNode } from '../talos-node/talos-node.js';
import { startBmcRelay, type BmcRelay } from './bmc-relay.js';
import { MachineRuntime, type BootContext, type MachineEvent, type MachinePhase } from './boot-sequence.js';
import type { VirtualServerFaults, VirtualServerSpec } from './machine-spec.js';

export type { MachineEvent, MachinePhase } from './boot-sequence.js';

/** Options of {@link startVirtualServer}. */
export interface VirtualServerOptions extends Omit<
  BootContext,
  'faults' | 'diskDir' | 'mediaDir' | 'insertedMedia' | 'delays'
> {
  /** Absolute directory of this server (disks, BMC state); created if missing. */
  dir: string;
  delays?: Partial<BootContext['delays']>;
  faults?: VirtualServerFaults;
  /** What the BMC speaks; default IPMI. */
  bmcProtocol?: BmcProtocol;
  /** Port of the BMC on its address (IPMI: UDP, 623; Redfish: TCP, 443), when free; else a free one. */
  bmcPort?: number;
}

/** How to reach a server's BMC (the real credentials), as an operator enrols it. */
export type VirtualBmc =
  | {
      protocol: 'ipmi';
      address: string;
      port: number;
      username: string;
      password: string;
      cipherSuite: 3;
      /** PID of the ipmi_sim behind it. */
      pid: number;
    }
  | {
      protocol: 'redfish';
      address: string;
      port: number;
      username: string;
      password: string;
      /** SHA-256 fingerprint of the BMC's self-signed certificate: what the operator pins. */
      fingerprintSha256: string;
      /** The ComputerSystem id of this server. */
      systemId: string;
      /** PID of the sushy-emulator behind it. */
      pid: number;
    };

/** The server's power as its BMC holds it, whichever protocol it speaks. */
export interface ServerPowerState {
  power: 'on' | 'off';
  /** Boots since start (power on, cycle, reset while on). */
  boots: number;
  /** Device the last boot used, or null before the first boot. */
  lastBootDevice: SimBootDevice | null;
}

/** One running BMC as the server sees it: power changes come in through `onBoot`/`onOff` given at start. */
interface ServerBmc {
  bmc: VirtualBmc;
  power(): ServerPowerState;
  /** Applies the server's `bmcDropRate` fault (Redfish: any rate of 1 freezes the BMC; TCP has no lost packets). */
  applyDropRate(): void;
  /** The image URL in the BMC's virtual CD, if one is inserted; absent for a BMC without virtual media. */
  insertedMedia?: () => Promise<string | undefined>;
  stop(): Promise<void>;
}

/** A running virtual server. */
export interface VirtualServer {
  readonly spec: VirtualServerSpec;
  readonly bmc: VirtualBmc;
  readonly phase: MachinePhase;
  /** `host:port` of the utility OS's SSH server while it runs. */
  readonly sshAddress: string | undefined;
  /** The Talos node while Talos runs. */
  readonly talos: TalosNode | undefined;
  readonly lastError: string | undefined;
  readonly history: readonly MachineEvent[];
  /** The power and boots as the BMC holds them. */
  chassis(): ServerPowerState;
  /** The file standing for `/dev/<name>`. */
  diskFile(name: string): string;
  /** Changes faults of the running server (BMC drops and never-boots take effect at once). */
  setFaults(faults: Partial<VirtualServerFaults>): void;
  /** Resolves once the phase is `phase`; rejects after `timeoutMs` with the history. */
  waitForPhase(phase: MachinePhase, timeoutMs?: number): Promise<void>;
  /** Powers off (stopping its services) and stops the BMC. Idempotent. */
  stop(): Promise<void>;
}

async function createDisk(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'a');
  try {
    if ((await handle.stat()).size !== sizeBytes) await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
}

/** Starts a virtual server, powered off; resolves once its BMC answers. */
export async function startVirtualServer(options: VirtualServerOptions): Promise<VirtualServer> {
  if (!isAbsolute(options.dir)) throw new Error(`dir must be absolute: ${options.dir}`);
  const { spec } = options;
  const diskDir = join(options.dir, 'disks');
  await mkdir(diskDir, { recursive: true });
  for (const disk of spec.disks) await createDisk(join(diskDir, `${disk.name}.img`), disk.sizeBytes);
  let faults: VirtualServerFaults = { ...options.faults };
  // The runtime exists before the BMC (the BMC's power events drive it): a CD boot asks the BMC
  // through this, bound once the BMC is up.
  let insertedMedia: ServerBmc['insertedMedia'] = undefined;
  const runtime = new MachineRuntime({
    ...options,
    diskDir,
    mediaDir: join(options.dir, 'media'),
    insertedMedia: async () => insertedMedia?.(),
    faults: () => faults,
    delays: { postMs: 0, bootMs: 0, installMs: 0, ...options.delays },
  });

  // Power changes are handled one at a time, in order; a boot runs in the background until the next one.
  let queue = Promise.resolve();
  let booting: { abort: AbortController; done: Promise<void> } | undefined;
  const halt = async (): Promise<void> => {
    booting?.abort.abort();
    await booting?.done;
    booting = undefined;
    await runtime.shutdown();
  };
  const handlers: PowerHandlers = {
    onBoot: (device) => {
      queue = queue.then(async () => {
        await halt();
        const abort = new AbortController();
        booting = { abort, done: runtime.boot(device, abort.signal) };
      });
    },
    onOff: () => {
      queue = queue.then(halt);
    },
  };
  const started =
    options.bmcProtocol === 'redfish'
      ? await startRedfishServerBmc(options, () => faults, handlers)
      : await startIpmiServerBmc(options, () => faults, handlers);
  started.applyDropRate();
  insertedMedia = started.insertedMedia;

  let stopped: Promise<void> | undefined;
  return {
    spec,
    bmc: started.bmc,
    get phase() {
      return runtime.phase;
    },
    get sshAddress() {
      return runtime.sshAddress;
    },
    get talos() {
      return runtime.talos;
    },
    get lastError() {
      return runtime.lastError;
    },
    history: runtime.history,
    chassis: () => started.power(),
    diskFile: (name) => {
      if (!spec.disks.some((d) => d.name === name)) throw new Error(`${spec.name} has no disk ${name}`);
      return join(diskDir, `${name}.img`);
    },
    setFaults: (changes) => {
      faults = { ...faults, ...changes };
      started.applyDropRate();
    },
    waitForPhase: (phase, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (runtime.phase === phase) return resolve();
        const timer = setTimeout(() => {
          unsubscribe();
          const seen = runtime.history.map((e) => `${e.phase}${e.detail ? ` (${e.detail})` : ''}`).join(' → ');
          reject(new Error(`${spec.name} never reached ${phase} within ${timeoutMs} ms; history: ${seen || 'none'}`));
        }, timeoutMs);
        const unsubscribe = runtime.subscribe(() => {
          if (runtime.phase !== phase) return;
          clearTimeout(timer);
          unsubscribe();
          resolve();
        });
      }),
    stop: () =>
      (stopped ??= (async () => {
        await started.stop();
        await queue;
        await halt();
      })()),
  };
}

interface PowerHandlers {
  /** A boot happened (power on, cycle, reset while on), from `device`. */
  onBoot(device: SimBootDevice | null): void;
  onOff(): void;
}

/** `ipmi_sim` behind a UDP relay on the server's BMC address (the relay drops packets on request). */
async function startIpmiServerBmc(
  options: VirtualServerOptions,
  faults: () => VirtualServerFaults,
  handlers: PowerHandlers,
): Promise<ServerBmc> {
  const { spec } = options;
  // ipmi_sim counts boots and says what device each used; a boot is a count it has not reported yet.
  let seenBoots = 0;
  const sim = await startIpmiSim({
    username: spec.bmcUsername,
    password: spec.bmcPassword,
    stateDir: join(options.dir, 'bmc'),
    name: spec.name,
    onChassis: (event, state) => {
      if (event.type === 'power' && !event.on) return handlers.onOff();
      if ((event.type !== 'power' && event.type !== 'reset') || state.boots === seenBoots) return;
      seenBoots = state.boots;
      handlers.onBoot(state.lastBootDevice);
    },
  });
  let relay: BmcRelay;
  try {
    relay = await startBmcRelay({
      address: spec.bmcAddress,
      port: options.bmcPort,
      targetPort: sim.port,
      dropRate: () => faults().bmcDropRate ?? 0,
    });
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return {
    bmc: {
      protocol: 'ipmi',
      address: relay.address,
      port: relay.port,
      username: spec.bmcUsername,
      password: spec.bmcPassword,
      cipherSuite: 3,
      pid: sim.pid,
    },
    power: () => {
      const { power, boots, lastBootDevice } = sim.state();
      return { power, boots, lastBootDevice };
    },
    applyDropRate: () => undefined, // the relay asks on every packet
    stop: async () => {
      await relay.close();
      await sim.stop();
    },
  };
}

/** The lab's boot device for what a Redfish system booted from. */
const SIM_DEVICE_OF: Record<RedfishBootDevice, SimBootDevice> = {
  pxe: 'pxe',
  disk: 'disk',
  cd: 'cdrom',
  other: 'bios',
};

/** `sushy-emulator` serving the server's one ComputerSystem over HTTPS on its BMC address. */
async function startRedfishServerBmc(
  options: VirtualServerOptions,
  faults: () => VirtualServerFaults,
  handlers: PowerHandlers,
): Promise<ServerBmc> {
  const { spec } = options;
  const bmc = await startRedfishBmc({
    address: spec.bmcAddress,
    port: options.bmcPort,
    username: spec.bmcUsername,
    password: spec.bmcPassword,
    stateDir: join(options.dir, 'bmc'),
    system: {
      uuid: labSystemUuid(spec.name, spec.dmi.serial),
      name: spec.name,
      macs: spec.nics.map((n) => n.mac.toLowerCase()),
      disks: spec.disks,
    },
    // Every applied power-on is a boot (a ForceRestart shows as Off, then On).
    onPower: (event) => (event.on ? handlers.onBoot(SIM_DEVICE_OF[event.bootDevice]) : handlers.onOff()),
  });
  const power = (state: RedfishSystemState): ServerPowerState => ({
    power: state.power,
    boots: state.boots,
    lastBootDevice: state.lastBootDevice === null ? null : SIM_DEVICE_OF[state.lastBootDevice],
  });
  return {
    bmc: {
      protocol: 'redfish',
      address: bmc.address,
      port: bmc.port,
      username: bmc.username,
      password: bmc.password,
      fingerprintSha256: bmc.fingerprintSha256,
      systemId: bmc.systemId,
      pid: bmc.pid,
    },
    power: () => power(bmc.state()),
    applyDropRate: () => bmc.setReachable((faults().bmcDropRate ?? 0) < 1),
    insertedMedia: () => bmc.insertedMedia(),
    stop: () => bmc.stop(),
  };
}
