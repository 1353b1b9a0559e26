import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CannonRequest, CannonResult } from './cannon.js';
import { processCpuUs } from './cpu.js';

const CANNON = fileURLToPath(new URL('./cannon.ts', import.meta.url));
/** One measured target: autocannon's figures, and the CPU each watched process spent per answered request. */
export interface Sample extends CannonResult {
  /** µs of CPU per answered request, by the name given in `watch`. */
  cpuUsPerRequest: Record<string, number>;
}

/** The autocannon child of the run in progress, so an interrupted bench can end it. */
let current: ChildProcess | undefined;

/** Ends the autocannon child of the run in progress, if any (our own child, by its handle). */
export function stopCannon(): void {
  if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
}

/**
 * Runs `request` with autocannon in a child process. The CPU of each process in `watch` is read
 * when the child reports its connections up and again when it reports the result, so the child's
 * own start-up is outside the window.
 */
export async function runTarget(request: CannonRequest, watch: Record<string, number>): Promise<Sample> {
  const child = spawn(process.execPath, ['--import', 'tsx', CANNON, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  current = child;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const sample = (): Record<string, number> =>
    Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, processCpuUs(pid)]));
  let before: Record<string, number> | undefined;
  let result: CannonResult | undefined;
  let after: Record<string, number> = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const message = JSON.parse(line) as CannonResult | { started: true };
    if ('started' in message) before = sample();
    else {
      after = sample();
      result = message;
    }
  }
  const code = await exited;
  current = undefined;
  if (!result || !before) throw new Error(`autocannon child ended (code ${String(code)}) without a result`);
  const start = before;
  // NaN when nothing was answered: there is no per-request figure then.
  const answered = result.total > 0 ? result.total : NaN;
  return {
    ...result,
    cpuUsPerRequest: Object.fromEntries(
      Object.keys(watch).map((name) => [name, ((after[name] ?? 0) - (start[name] ?? 0)) / answered]),
    ),
  };
}
