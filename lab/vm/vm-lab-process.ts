/**
 * The VM lab's machines as a process of their own, started inside the lab's network namespace
 * (`ip netns exec <ns> node --import tsx lab/vm/vm-lab-process.ts '<json options>'`): its
 * ipmi_sims, relays and QEMUs then bind and reach only that namespace. It speaks JSON lines on
 * stdout (see {@link VmLabMessage}) and stops everything it started when it gets SIGTERM or when
 * its stdin closes (its parent died).
 */
import type { LabServerInfo } from '../lab.js';
import { startVmMachines, type VmMachines, type VmMachinesOptions } from './vm-lab.js';
import type { VmEvent } from './vm-server.js';

/** One line the process prints. */
export type VmLabMessage =
  | {
      type: 'ready';
      servers: LabServerInfo[];
      diskFiles: Record<string, Record<string, string>>;
      consoleLogs: Record<string, string>;
      pids: number[];
    }
  | { type: 'event'; event: VmEvent; pids: number[] }
  | { type: 'error'; message: string };

/** The options the parent passes (JSON in argv[2]). */
export type VmLabProcessOptions = Omit<VmMachinesOptions, 'onEvent'>;

function send(message: VmLabMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as VmLabProcessOptions;
  const lab: { machines?: VmMachines } = {};
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await lab.machines?.stop();
      process.exit(0);
    })());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  const machines = await startVmMachines({
    ...options,
    onEvent: (event) => send({ type: 'event', event, pids: lab.machines?.pids() ?? [] }),
  });
  lab.machines = machines;
  send({
    type: 'ready',
    servers: machines.info(),
    diskFiles: Object.fromEntries(machines.servers.map((s) => [s.machine.name, { ...s.diskFiles }])),
    consoleLogs: Object.fromEntries(machines.servers.map((s) => [s.machine.name, s.consoleLog])),
    pids: machines.pids(),
  });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
