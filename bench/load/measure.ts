import { waitQuiet } from './cpu.js';
import { runTarget, type Sample } from './run-target.js';
import type { LoadStack } from './stack.js';

/** What one part of the bench needs: the stack, the seconds per row, where progress goes. */
export interface BenchContext {
  stack: LoadStack;
  seconds: number;
  say: (line: string) => void;
}

/** The processes whose CPU is read, by name (the dev servers only when this run started them). */
export function watched(stack: LoadStack): Record<string, number> {
  return Object.fromEntries(Object.entries(stack.pids).filter((e): e is [string, number] => e[1] !== undefined));
}

/** One load: `paths` in turn, with `key` as bearer (none: a public route), at `connections`. */
export interface Target {
  paths: string[];
  key?: string;
  connections: number;
  /** A 1 s run at the same connections first (JIT, key cache, connection pools); default true. */
  warmUp?: boolean;
}

/**
 * Measures `target` for `ctx.seconds`. Each run starts once the stack is back to `baseline`
 * (ms/s per process): the requests a finished run's client gave up on are still being served.
 */
export async function measure(ctx: BenchContext, baseline: Record<string, number>, target: Target): Promise<Sample> {
  const headers: Record<string, string> = target.key ? { authorization: `Bearer ${target.key}` } : {};
  const request = { origin: ctx.stack.apiUrl, paths: target.paths, headers, connections: target.connections };
  const pids = watched(ctx.stack);
  const settle = async () => {
    const waited = await waitQuiet(pids, baseline, 10 * 60_000);
    if (waited > 2) ctx.say(`  waited ${waited.toFixed(0)} s for the stack to finish the previous run's requests`);
  };
  if (target.warmUp !== false) {
    await settle();
    await runTarget({ ...request, seconds: 1 }, pids);
  }
  await settle();
  return runTarget({ ...request, seconds: ctx.seconds }, pids);
}
