import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { waitForState } from './wait-for-state.js';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import { type ChassisEvent, parseChassisEventLine, SimDebugParser } from './sim-events.js';
import { chassisControlScript, emuCommands, lanConf, lanControlScript, lanIdentityFile } from './sim-files.js';
import { freeUdpPort, processOwnsUdpPortAlone, rmcpPing, udpPortSockets } from './udp-probe.js';

/**
 * One simulated BMC: a real `ipmi_sim` (OpenIPMI) on a loopback UDP port, spoken to with the real
 * `ipmitool`. The chassis it controls is a pair of files in the state directory; a Node caller sees
 * power and boot changes through {@link IpmiSim.state} and the `onChassis` callback.
 */

/** Boot device as the simulated chassis holds it (`disk` is IPMI "force boot from default hard drive"). */
export type SimBootDevice = 'none' | 'pxe' | 'disk' | 'cdrom' | 'bios';

/** What the simulated server looks like from outside. */
export interface SimChassisState {
  power: 'on' | 'off';
  /** The boot override the BMC holds; `none` when there is none (or a next-boot-only one was used). */
  bootDevice: SimBootDevice;
  /** True when the override applies to the next boot only (from the last boot-flags request). */
  bootOnce: boolean;
  /** True when the last boot-flags request asked for EFI boot. */
  efi: boolean;
  /** Number of boots since start (power on, cycle, reset while on). */
  boots: number;
  /** Device the last boot used (`disk` when there was no override), or null before the first boot. */
  lastBootDevice: SimBootDevice | null;
  /** Whether the last boot was an EFI boot (per the override it used), or null before the first boot. */
  lastBootEfi: boolean | null;
}

/** Options of {@link startIpmiSim}. */
export interface IpmiSimOptions {
  username: string;
  password: string;
  /** UDP port on 127.0.0.1; default a free one. */
  port?: number;
  /** Absolute directory for config, script, chassis state and ipmi_sim persistence. Created if missing. */
  stateDir: string;
  /** BMC name inside ipmi_sim. Default `rackpilot-sim`. */
  name?: string;
  /** Called for every chassis event, with the state after it. */
  onChassis?: (event: ChassisEvent, state: SimChassisState) => void;
  /** Path of the binary. Default `ipmi_sim`. */
  ipmiSimPath?: string;
  /** TCP port on 127.0.0.1 for a QEMU machine's in-band KCS interface (see `sim-files.ts`). */
  systemInterfacePort?: number;
  /** The LAN address the BMC reports in-band and over LAN (`ipmitool lan print`). */
  lanIdentity?: { ip: string; netmask: string; mac: string };
}

/** A running simulated BMC. */
export interface IpmiSim {
  host: '127.0.0.1';
  port: number;
  username: string;
  password: string;
  /** ipmi_sim speaks RMCP+ with cipher suite 3, not 17. */
  cipherSuite: 3;
  pid: number;
  /** Current chassis state (power and boot device read from the chassis files, flags from the requests). */
  state(): SimChassisState;
  /** Resolves with the state once `predicate` holds; rejects after `timeoutMs` (default 5 s). */
  waitFor(predicate: (state: SimChassisState) => boolean, timeoutMs?: number): Promise<SimChassisState>;
  /**
   * Records that the machine lost power by itself (the OS powered it off, the VM process ended):
   * the chassis reads off, and the next power on is a boot.
   */
  powerLost(): void;
  /** Stops ipmi_sim (SIGTERM, SIGKILL after 3 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const BOOT_FILE_VALUES: Record<string, SimBootDevice> = {
  none: 'none',
  pxe: 'pxe',
  default: 'disk',
  cdrom: 'cdrom',
  bios: 'bios',
};

/** Every ipmi_sim this process started and has not stopped; killed when the process exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts one simulated BMC and resolves once it answers RMCP pings on its own port. */
export async function startIpmiSim(options: IpmiSimOptions): Promise<IpmiSim> {
  if (!isAbsolute(options.stateDir)) throw new Error(`stateDir must be absolute: ${options.stateDir}`);
  await mkdir(join(options.stateDir, 'persist'), { recursive: true });
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = options.port ?? (await freeUdpPort());
    try {
      return await startOnPort(options, port);
    } catch (err) {
      lastError = err as Error;
      if (options.port !== undefined) break; // a port the caller chose: no other to try
    }
  }
  throw lastError ?? new Error('ipmi_sim did not start');
}

async function startOnPort(options: IpmiSimOptions, port: number): Promise<IpmiSim> {
  const { stateDir, username, password } = options;
  if ((await udpPortSockets(port)).size > 0) throw new Error(`UDP port ${port} on 127.0.0.1 is taken (port taken)`);
  const files = {
    stateDir,
    port,
    username,
    password,
    name: options.name ?? 'rackpilot-sim',
    systemInterfacePort: options.systemInterfacePort,
    lanIdentity: options.lanIdentity,
  };
  await writeFile(join(stateDir, 'lan.conf'), lanConf(files));
  if (options.lanIdentity) {
    await writeFile(join(stateDir, 'lan-identity'), lanIdentityFile(options.lanIdentity));
    await writeFile(join(stateDir, 'lan-control'), lanControlScript());
    await chmod(join(stateDir, 'lan-control'), 0o755);
  }
  await writeFile(join(stateDir, 'sim.emu'), emuCommands());
  await writeFile(join(stateDir, 'chassis-control'), chassisControlScript());
  await chmod(join(stateDir, 'chassis-control'), 0o755);
  for (const [file, initial] of [
    ['power', '0'],
    ['boot', 'none'],
  ] as const) {
    if (!existsSync(join(stateDir, file))) await writeFile(join(stateDir, file), `${initial}\n`);
  }

  // -d without -n: decoded requests go to stdout (we read boot flags there) and stdin stays the
  // console, so if this Node process dies the pipe closes and ipmi_sim exits with it.
  const args = [
    '-c',
    join(stateDir, 'lan.conf'),
    '-f',
    join(stateDir, 'sim.emu'),
    '-s',
    join(stateDir, 'persist'),
    '-d',
  ];
  const child = spawn(options.ipmiSimPath ?? 'ipmi_sim', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('close', () => live.delete(child));
  const stderrTail: string[] = [];

  const readFileValue = (file: string): string => readFileSync(join(stateDir, file), 'utf8').trim();
  let flags = { bootOnce: false, efi: false };
  let boots = 0;
  let lastBootDevice: SimBootDevice | null = null;
  let lastBootEfi: boolean | null = null;
  let poweredOn = readFileValue('power') === '1';
  const state = (): SimChassisState => ({
    power: readFileValue('power') === '1' ? 'on' : 'off',
    bootDevice: BOOT_FILE_VALUES[readFileValue('boot')] ?? 'none',
    ...flags,
    boots,
    lastBootDevice,
    lastBootEfi,
  });
  const boot = (): void => {
    const device = state().bootDevice;
    boots += 1;
    lastBootDevice = device === 'none' ? 'disk' : device;
    lastBootEfi = device === 'none' ? false : flags.efi;
    // A next-boot-only override is used up by this boot, as a BIOS would do.
    if (device !== 'none' && flags.bootOnce) {
      writeFileSync(join(stateDir, 'boot.tmp'), 'none\n');
      renameSync(join(stateDir, 'boot.tmp'), join(stateDir, 'boot'));
    }
  };
  const onEvent = (event: ChassisEvent): void => {
    if (event.type === 'bootFlags') flags = { bootOnce: !event.persistent, efi: event.efi };
    if (event.type === 'power') {
      if (event.on && !poweredOn) boot();
      poweredOn = event.on;
    }
    if (event.type === 'reset' && poweredOn) boot();
    options.onChassis?.(event, state());
  };

  const debug = new SimDebugParser();
  onLines(child.stdout as Readable, (line) => {
    const event = debug.push(line);
    if (event) onEvent(event);
  });
  onLines(child.stderr as Readable, (line) => {
    const event = parseChassisEventLine(line);
    if (event) onEvent(event);
    else if (stderrTail.push(line) > 20) stderrTail.shift();
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killTimer);
    }
  };

  try {
    await waitUntilListening(child, port, stderrTail);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    host: '127.0.0.1',
    port,
    username,
    password,
    cipherSuite: 3,
    pid: child.pid as number,
    state,
    waitFor: (predicate, timeoutMs = 5_000) => waitForState(state, predicate, timeoutMs, 'simulated chassis'),
    powerLost: () => {
      writeFileSync(join(stateDir, 'power.tmp'), '0\n');
      renameSync(join(stateDir, 'power.tmp'), join(stateDir, 'power'));
      poweredOn = false;
    },
    stop,
  };
}

/**
 * Calls `fn` per `\n`-terminated line. Not `readline`: it also splits on a lone `\r`, and ipmi_sim
 * starts its console lines with one, which would break the message blocks apart.
 */
function onLines(stream: Readable, fn: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) fn(line);
  });
}

async function waitUntilListening(child: ChildProcess, port: number, stderrTail: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`ipmi_sim exited during start-up: ${stderrTail.join('\n')}`);
    }
    if (await rmcpPing('127.0.0.1', port, 200)) {
      if (await processOwnsUdpPortAlone(child.pid as number, port)) return;
      throw new Error(`UDP port ${port} answers, but not from this ipmi_sim (port taken)`);
    }
  }
  throw new Error(`ipmi_sim did not answer on 127.0.0.1:${port} within 10 s: ${stderrTail.join('\n')}`);
}
