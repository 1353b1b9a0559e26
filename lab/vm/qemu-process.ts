/**
 * One running QEMU process (one boot of a lab VM). Started with an argument vector, never a shell;
 * stopped by its PID (SIGTERM, then SIGKILL); its stderr kept for the error a failed start reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A QEMU process of the lab. */
export interface QemuProcess {
  readonly pid: number;
  /** Resolves once the process has ended, with its exit code (null: killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last lines QEMU wrote to stderr (its own errors; the guest's console goes to the log file). */
  stderrTail(): string;
  /** SIGTERM (QEMU powers the guest off at once), SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Every QEMU this process started and has not seen exit: killed if this process exits first. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts `qemu-system-x86_64` (or `binary`) with `args`. */
export function startQemuProcess(args: string[], binary = 'qemu-system-x86_64'): QemuProcess {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  live.add(child);
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail.push(...chunk.split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => resolve(null));
  });
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    exited,
    stderrTail: () => tail.join('\n'),
    stop: (graceMs = 3_000) =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
      })()),
  };
}
