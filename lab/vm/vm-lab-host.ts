/**
 * The VM lab seen from the host: creates the lab's network namespaces (bridge, taps, the site's
 * DHCP server), starts the machines' process inside the provisioning namespace and offers the same
 * contract as the simulated lab (`servers`, `network`, `pids()`, `stop()`) plus what only real
 * machines have (disk image files, serial console logs, QEMU processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabServerInfo, LabView } from '../lab.js';
import { createLabNetwork, type LabNetwork } from './lab-network.js';
import type { VmLabMessage, VmLabProcessOptions } from './vm-lab-process.js';
import type { VmEvent } from './vm-server.js';

/** Options of {@link startVmLab}. */
export interface VmLabOptions {
  machines: number;
  /** Absolute directory for disks, BMC state, consoles and the network's files. */
  dir: string;
  accel: 'kvm' | 'tcg';
  firmware?: 'bios' | 'uefi';
  diskSizeBytes?: number;
  ovmf?: { code: string; varsTemplate: string };
  /** Called for every machine event (boot, power off, QEMU exit). */
  onEvent?: (event: VmEvent) => void;
}

/** A running VM lab. */
export interface VmLab extends LabView {
  readonly backend: 'qemu';
  readonly accel: 'kvm' | 'tcg';
  /** The namespaces, bridge, DHCP server and uplinks the lab made. */
  readonly labNetwork: LabNetwork;
  /** Every machine event so far, in order. */
  readonly events: readonly VmEvent[];
  /** The image file behind disk `disk` (`nvme0n1`, `sda`) of server `server`. */
  diskFile(server: string, disk: string): string;
  /** The serial console log of a server (firmware, iPXE, kernel and utility OS output). */
  consoleLog(server: string): string;
  /** Whether the server's QEMU runs (it is powered on). */
  poweredOn(server: string): boolean;
  /** Resolves with the first event (past or future) that matches; rejects after `timeoutMs`. */
  waitForEvent(match: (event: VmEvent) => boolean, timeoutMs?: number): Promise<VmEvent>;
}

const PROCESS_ENTRY = fileURLToPath(new URL('./vm-lab-process.ts', import.meta.url));

/** Starts a VM lab of `machines` servers, all powered off, and resolves once every BMC answers. */
export async function startVmLab(options: VmLabOptions): Promise<VmLab> {
  if (!isAbsolute(options.dir)) throw new Error('dir must be absolute');
  await mkdir(options.dir, { recursive: true });
  const network = await createLabNetwork({ dir: join(options.dir, 'network'), machines: options.machines });
  let child: ChildProcess | undefined;
  try {
    const processOptions: VmLabProcessOptions = {
      machines: options.machines,
      dir: join(options.dir, 'machines'),
      accel: options.accel,
      taps: Array.from({ length: options.machines }, (_, i) => network.tapName(i)),
      firmware: options.firmware,
      diskSizeBytes: options.diskSizeBytes,
      ovmf: options.ovmf,
    };
    const [command, ...args] = network.nsExec([
      process.execPath,
      '--import',
      'tsx',
      PROCESS_ENTRY,
      JSON.stringify(processOptions),
    ]);
    // stdin stays an open pipe: if this process dies, the lab process reads EOF and stops its machines.
    child = spawn(command as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const log = createWriteStream(join(options.dir, 'vm-lab.log'), { flags: 'a' });
    child.stderr?.pipe(log);
    return await attach(child, network, options);
  } catch (err) {
    child?.kill('SIGKILL');
    await network.destroy();
    throw err;
  }
}

async function attach(child: ChildProcess, network: LabNetwork, options: VmLabOptions): Promise<VmLab> {
  const events: VmEvent[] = [];
  const waiters = new Set<(event: VmEvent) => void>();
  let childPids: number[] = [];
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ready = await new Promise<Extract<VmLabMessage, { type: 'ready' }>>((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let message: VmLabMessage;
        try {
          message = JSON.parse(line) as VmLabMessage;
        } catch {
          continue;
        }
        if (message.type === 'ready') {
          childPids = message.pids;
          resolve(message);
        } else if (message.type === 'error') {
          reject(new Error(`VM lab: ${message.message}`));
        } else {
          childPids = message.pids;
          events.push(message.event);
          options.onEvent?.(message.event);
          for (const waiter of waiters) waiter(message.event);
        }
      }
    });
    void exited.then(() => reject(new Error(`VM lab process exited during start-up (see ${options.dir}/vm-lab.log)`)));
  });

  const servers: LabServerInfo[] = ready.servers;
  const named = <T>(table: Record<string, T>, server: string): T => {
    const value = table[server];
    if (value === undefined) throw new Error(`no VM lab server ${server}`);
    return value;
  };
  let stopping: Promise<void> | undefined;
  return {
    backend: 'qemu',
    accel: options.accel,
    dir: options.dir,
    servers,
    network: {
      subnet: `${network.agentIp.replace(/\.\d+$/, '.0')}/${network.prefix}`,
      gateway: network.agentIp,
      freeIps: Array.from({ length: options.machines * 2 + 8 }, (_, i) =>
        network.agentIp.replace(/\.\d+$/, `.${20 + i}`),
      ),
    },
    labNetwork: network,
    events,
    diskFile: (server, disk) => named(named(ready.diskFiles, server), disk),
    consoleLog: (server) => named(ready.consoleLogs, server),
    poweredOn: (server) => {
      const last = [...events].reverse().find((e) => e.machine === server);
      return last?.type === 'boot';
    },
    waitForEvent: (match, timeoutMs = 60_000) =>
      new Promise<VmEvent>((resolve, reject) => {
        const past = events.find(match);
        if (past) return resolve(past);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching VM lab event within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (event: VmEvent): void => {
          if (!match(event)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(event);
        };
        waiters.add(waiter);
      }),
    pids: () => [...(child.pid === undefined ? [] : [child.pid]), ...childPids, ...network.pids()],
    stop: () =>
      (stopping ??= (async () => {
        let clean = child.exitCode === 0;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
          clean = child.exitCode === 0;
        }
        // The lab process stops its own children; if it could not (it was killed), they go by PID here.
        if (!clean) {
          for (const pid of childPids) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
        await network.destroy();
      })()),
  };
}
