/**
 * The VM lab's machines, run inside the lab's network namespace: N QEMU servers, each behind its
 * own `ipmi_sim` on `127.20.0.<n+1>:623` of the namespace's loopback, each NIC on its tap of the
 * lab bridge. Powered off at start; only their BMCs turn them on.
 */
import { join } from 'node:path';
import type { LabServerInfo } from '../lab.js';
import { vmMachineSpec } from './vm-machine-spec.js';
import { startVmServer, type VmEvent, type VmServer } from './vm-server.js';

/** Options of {@link startVmMachines}. */
export interface VmMachinesOptions {
  machines: number;
  /** Absolute directory; one subdirectory per server. */
  dir: string;
  accel: 'kvm' | 'tcg';
  /** Tap device of machine `index`. */
  taps: string[];
  firmware?: 'bios' | 'uefi';
  diskSizeBytes?: number;
  ovmf?: { code: string; varsTemplate: string };
  onEvent?: (event: VmEvent) => void;
}

/** The running machines. */
export interface VmMachines {
  servers: VmServer[];
  /** What an operator enrols, in the same shape as the simulated lab's. */
  info(): LabServerInfo[];
  /** PIDs of every process started for the machines (ipmi_sims and running QEMUs). */
  pids(): number[];
  stop(): Promise<void>;
}

/** Most machines one lab starts (a 2-core machine holds far fewer; see bench/README.md). */
export const MAX_VM_MACHINES = 16;

/** Starts every machine's BMC (machines stay off); stops those started when one fails. */
export async function startVmMachines(options: VmMachinesOptions): Promise<VmMachines> {
  if (!Number.isInteger(options.machines) || options.machines < 1 || options.machines > MAX_VM_MACHINES)
    throw new Error(`machines must be between 1 and ${MAX_VM_MACHINES}`);
  if (options.taps.length < options.machines) throw new Error('one tap device per machine is needed');
  const started = await Promise.allSettled(
    Array.from({ length: options.machines }, (_, index) => {
      const machine = vmMachineSpec(index, { diskSizeBytes: options.diskSizeBytes, firmware: options.firmware });
      return startVmServer({
        machine,
        dir: join(options.dir, machine.name),
        accel: options.accel,
        tap: options.taps[index] as string,
        ovmf: options.ovmf,
        onEvent: options.onEvent,
      });
    }),
  );
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  return {
    servers,
    info: () =>
      servers.map((s) => ({
        name: s.machine.name,
        bmc: s.bmc,
        macs: [s.machine.mac],
        disks: s.machine.disks.map(({ name, serial, wwn, sizeBytes, model }) => ({
          name,
          serial,
          wwn,
          sizeBytes,
          model,
        })),
      })),
    pids: () => servers.flatMap((s) => s.pids()),
    stop: async () => {
      await Promise.allSettled(servers.map((s) => s.stop()));
    },
  };
}
