/**
 * One server of the VM lab: disk images the lab creates, a real `ipmi_sim` BMC on its own loopback
 * address (inside the lab's namespace), and QEMU as the machine. The BMC's chassis control is the
 * only power switch: power on (or cycle, or reset while on) starts a fresh QEMU that boots from
 * the device the BMC holds for this boot; power off kills it. A guest that powers itself off ends
 * its QEMU, and the BMC then reads off.
 */
import { constants, copyFile, mkdir, open } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { freePort } from '../../tools/devservices/free-port.js';
import { startIpmiSim, type IpmiSim, type SimChassisState } from '../bmc/ipmi-sim.js';
import type { ChassisEvent } from '../bmc/sim-events.js';
import { startBmcRelay, type BmcRelay } from '../machine/bmc-relay.js';
import { qemuArgs, type QemuRunSpec, type VmBootDevice } from './qemu-args.js';
import { startQemuProcess, type QemuProcess } from './qemu-process.js';
import type { VmMachineSpec } from './vm-machine-spec.js';

/** Something that happened to a VM, for logs and tests. */
export type VmEvent =
  | { type: 'boot'; machine: string; device: VmBootDevice; pid: number; at: string }
  | { type: 'power-off'; machine: string; at: string }
  | { type: 'exited'; machine: string; pid: number; code: number | null; at: string; error?: string };

/** Options of {@link startVmServer}. */
export interface VmServerOptions {
  machine: VmMachineSpec;
  /** Absolute directory of this server (disks, BMC state, console log). */
  dir: string;
  accel: 'kvm' | 'tcg';
  tap: string;
  ovmf?: { code: string; varsTemplate: string };
  onEvent?: (event: VmEvent) => void;
}

/** A running VM server. */
export interface VmServer {
  readonly machine: VmMachineSpec;
  readonly bmc: { protocol: 'ipmi'; address: string; port: number; username: string; password: string; cipherSuite: 3 };
  /** Image file per disk name. */
  readonly diskFiles: Readonly<Record<string, string>>;
  readonly consoleLog: string;
  /** PID of the running QEMU, if the machine is on. */
  qemuPid(): number | undefined;
  /** PIDs of what this server runs now: its ipmi_sim and its QEMU when on. */
  pids(): number[];
  chassis(): SimChassisState;
  readonly events: readonly VmEvent[];
  /** Powers off (kills QEMU) and stops the BMC. Idempotent. */
  stop(): Promise<void>;
}

/** The BMC's own NIC address: the host NIC's, made locally administered and unicast so the two never collide. */
function bmcMac(hostMac: string): string {
  const [first, ...rest] = hostMac.split(':');
  return [((parseInt(first ?? '0', 16) | 0x02) & 0xfe).toString(16).padStart(2, '0'), ...rest].join(':');
}

async function createImage(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'a');
  try {
    if ((await handle.stat()).size !== sizeBytes) await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
}

async function copyFileOnce(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Starts a VM server, powered off; resolves once its BMC answers. */
export async function startVmServer(options: VmServerOptions): Promise<VmServer> {
  const { machine } = options;
  if (!isAbsolute(options.dir)) throw new Error(`dir must be absolute: ${options.dir}`);
  const diskDir = join(options.dir, 'disks');
  await mkdir(diskDir, { recursive: true });
  const diskFiles: Record<string, string> = {};
  for (const disk of machine.disks) {
    diskFiles[disk.name] = join(diskDir, `${disk.name}.img`);
    await createImage(diskFiles[disk.name] as string, disk.sizeBytes);
  }
  let ovmf: QemuRunSpec['ovmf'];
  if (machine.firmware === 'uefi') {
    if (!options.ovmf) throw new Error(`${machine.name}: UEFI firmware asked for but no OVMF files given`);
    const vars = join(options.dir, 'OVMF_VARS.fd');
    await copyFileOnce(options.ovmf.varsTemplate, vars);
    ovmf = { code: options.ovmf.code, vars };
  }
  const consoleLog = join(options.dir, 'console.log');
  // The BMC's in-band interface: the guest's own ipmitool asks it for its LAN address, as the
  // utility OS does on a real server to tell the agent which BMC it is behind.
  const systemInterfacePort = await freePort();
  const run: QemuRunSpec = {
    machine,
    accel: options.accel,
    tap: options.tap,
    diskFiles,
    consoleLog,
    ovmf,
    bmcSystemInterfacePort: systemInterfacePort,
  };
  const events: VmEvent[] = [];
  const emit = (event: VmEvent): void => {
    events.push(event);
    options.onEvent?.(event);
  };

  let qemu: QemuProcess | undefined;
  // Set once the BMC runs; the QEMU exit handler and chassis events reach it through here.
  const bmcRef: { sim?: IpmiSim } = {};
  const powerOff = async (): Promise<void> => {
    const running = qemu;
    qemu = undefined;
    if (running) await running.stop();
  };
  const powerOn = (device: VmBootDevice): void => {
    const started = startQemuProcess(qemuArgs(run, device));
    qemu = started;
    emit({ type: 'boot', machine: machine.name, device, pid: started.pid, at: new Date().toISOString() });
    void started.exited.then((code) => {
      const error = code === 0 || code === null ? undefined : started.stderrTail() || `exit code ${code}`;
      emit({ type: 'exited', machine: machine.name, pid: started.pid, code, at: new Date().toISOString(), error });
      // Still the current boot: the guest (or QEMU) ended it, not the BMC. The chassis is off now.
      if (qemu === started) {
        qemu = undefined;
        bmcRef.sim?.powerLost();
      }
    });
  };

  // Chassis events are handled one at a time, in order.
  let queue = Promise.resolve();
  let seenBoots = 0;
  const onChassis = (event: ChassisEvent, state: SimChassisState): void => {
    queue = queue.then(async () => {
      if ((event.type === 'power' && !event.on) || event.type === 'softOff') {
        if (qemu) emit({ type: 'power-off', machine: machine.name, at: new Date().toISOString() });
        await powerOff();
        if (event.type === 'softOff') bmcRef.sim?.powerLost();
        return;
      }
      // A boot happened (power on, cycle, reset while on): ipmi_sim counts them and says what device it used.
      if ((event.type !== 'power' && event.type !== 'reset') || state.boots === seenBoots) return;
      seenBoots = state.boots;
      await powerOff();
      powerOn(state.lastBootDevice === 'pxe' ? 'pxe' : 'disk');
    });
  };

  const sim = await startIpmiSim({
    username: machine.bmc.username,
    password: machine.bmc.password,
    stateDir: join(options.dir, 'bmc'),
    name: machine.name,
    onChassis,
    systemInterfacePort,
    lanIdentity: { ip: machine.bmc.address, netmask: '255.0.0.0', mac: bmcMac(machine.mac) },
  });
  bmcRef.sim = sim;
  let relay: BmcRelay;
  try {
    relay = await startBmcRelay({ address: machine.bmc.address, targetPort: sim.port });
  } catch (err) {
    await sim.stop();
    throw err;
  }
  const bmcSim = sim;
  let stopped: Promise<void> | undefined;
  return {
    machine,
    bmc: {
      protocol: 'ipmi',
      address: relay.address,
      port: relay.port,
      username: machine.bmc.username,
      password: machine.bmc.password,
      cipherSuite: 3,
    },
    diskFiles,
    consoleLog,
    qemuPid: () => qemu?.pid,
    pids: () => [bmcSim.pid, ...(qemu ? [qemu.pid] : [])],
    chassis: () => bmcSim.state(),
    events,
    stop: () =>
      (stopped ??= (async () => {
        await relay.close();
        await bmcSim.stop();
        await queue;
        await powerOff();
      })()),
  };
}
