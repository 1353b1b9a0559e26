/**
 * One simulated server: its disks (sparse files), a real `ipmi_sim` BMC reached on the server's
 * own loopback address, and a power state machine driven by that BMC's chassis control. Power on
 * boots (POST, then PXE or disk per the BMC's boot device); power off stops whatever ran.
 */
import { mkdir, open } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { startIpmiSim, type IpmiSim, type SimChassisState } from '../bmc/ipmi-sim.js';
import type { ChassisEvent } from '../bmc/sim-events.js';
import type { TalosNode } from '../talos-node/talos-node.js';
import { startBmcRelay, type BmcRelay } from './bmc-relay.js';
import { MachineRuntime, type BootContext, type MachineEvent, type MachinePhase } from './boot-sequence.js';
import type { VirtualServerFaults, VirtualServerSpec } from './machine-spec.js';

export type { MachineEvent, MachinePhase } from './boot-sequence.js';

/** Options of {@link startVirtualServer}. */
export interface VirtualServerOptions extends Omit<BootContext, 'faults' | 'diskDir' | 'delays'> {
  /** Absolute directory of this server (disks, BMC state); created if missing. */
  dir: string;
  delays?: Partial<BootContext['delays']>;
  faults?: VirtualServerFaults;
  /** UDP port of the BMC on its address; 623 when free, else a free one. */
  bmcPort?: number;
}

/** How to reach a server's BMC (the real credentials). */
export interface VirtualBmc {
  address: string;
  port: number;
  username: string;
  password: string;
  cipherSuite: 3;
  /** PID of the ipmi_sim behind it. */
  pid: number;
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
  /** The chassis as the BMC holds it. */
  chassis(): SimChassisState;
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
  const runtime = new MachineRuntime({
    ...options,
    diskDir,
    faults: () => faults,
    delays: { postMs: 0, bootMs: 0, installMs: 0, ...options.delays },
  });

  // Chassis events are handled one at a time, in order; a boot runs in the background until the next one.
  let queue = Promise.resolve();
  let booting: { abort: AbortController; done: Promise<void> } | undefined;
  let seenBoots = 0;
  const halt = async (): Promise<void> => {
    booting?.abort.abort();
    await booting?.done;
    booting = undefined;
    await runtime.shutdown();
  };
  const onChassis = (event: ChassisEvent, state: SimChassisState): void => {
    queue = queue.then(async () => {
      if (event.type === 'power' && !event.on) return halt();
      // A boot happened (power on, cycle, reset while on): ipmi_sim counts them and says what device it used.
      if ((event.type !== 'power' && event.type !== 'reset') || state.boots === seenBoots) return;
      seenBoots = state.boots;
      await halt();
      const abort = new AbortController();
      booting = { abort, done: runtime.boot(state.lastBootDevice, abort.signal) };
    });
  };

  const sim: IpmiSim = await startIpmiSim({
    username: spec.bmcUsername,
    password: spec.bmcPassword,
    stateDir: join(options.dir, 'bmc'),
    name: spec.name,
    onChassis,
  });
  let relay: BmcRelay;
  try {
    relay = await startBmcRelay({
      address: spec.bmcAddress,
      port: options.bmcPort,
      targetPort: sim.port,
      dropRate: () => faults.bmcDropRate ?? 0,
    });
  } catch (err) {
    await sim.stop();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    spec,
    bmc: {
      address: relay.address,
      port: relay.port,
      username: spec.bmcUsername,
      password: spec.bmcPassword,
      cipherSuite: 3,
      pid: sim.pid,
    },
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
    chassis: () => sim.state(),
    diskFile: (name) => {
      if (!spec.disks.some((d) => d.name === name)) throw new Error(`${spec.name} has no disk ${name}`);
      return join(diskDir, `${name}.img`);
    },
    setFaults: (changes) => {
      faults = { ...faults, ...changes };
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
        await relay.close();
        await sim.stop();
        await queue;
        await halt();
      })()),
  };
}
