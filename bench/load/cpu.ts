import { readFileSync } from 'node:fs';

// USER_HZ, 100 on every Linux architecture Node supports (bench/provision/measure.ts reads /proc/stat alike).
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, every thread) the process `pid` has used so far, in µs. Linux only. */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU ms per second each of `pids` spends over the next `ms`. */
export async function cpuRates(pids: Record<string, number>, ms: number): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuUs(pid)]));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, (processCpuUs(pid) - (before[name] ?? 0)) / ms]),
  );
}

const sum = (rates: Record<string, number>) => Object.values(rates).reduce((a, b) => a + b, 0);

/**
 * Waits until `pids` together spend no more than `baseline` (ms/s, from {@link cpuRates}) plus
 * 15 % of a core: what a finished load run left behind (requests its client gave up on are still
 * served) is done. Returns the seconds waited; gives up after `maxMs`.
 */
export async function waitQuiet(pids: Record<string, number>, baseline: Record<string, number>, maxMs: number) {
  const began = Date.now();
  while (Date.now() - began < maxMs && sum(await cpuRates(pids, 500)) > sum(baseline) + 150);
  return (Date.now() - began) / 1000;
}
