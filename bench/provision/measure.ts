import { readFileSync } from 'node:fs';
import type { Db } from 'mongodb';
import type { AssetState } from '../../shared/asset-state.js';

/** The p-th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Milliseconds as `1.23 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Waits until every asset has reached `state` and returns when each got there (epoch ms), read
 * from the `asset.state_changed` events the repository records at the transition itself, so the
 * figure does not depend on how often this watcher looks. It looks every second with one count
 * query, to load the database under test as little as possible. Throws when some have not got
 * there within `timeoutMs`; `check` runs every second and may throw to give up early.
 */
export async function watchStates(
  db: Db,
  ids: string[],
  state: AssetState,
  timeoutMs: number,
  check: () => Promise<void> = async () => undefined,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  const assets = db.collection<{ _id: string; state: AssetState }>('assets');
  let lastCheck = Date.now();
  for (;;) {
    if ((await assets.countDocuments({ _id: { $in: ids }, state })) === ids.length) break;
    if (Date.now() > deadline) throw new Error(`some of ${ids.length} assets did not become ${state} in time`);
    if (Date.now() - lastCheck > 1_000) {
      await check();
      lastCheck = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const events = await db
    .collection<{ at: Date; data: { assetId: string; to: string } }>('events')
    .find({ type: 'asset.state_changed', 'data.assetId': { $in: ids }, 'data.to': state })
    .toArray();
  const seen = new Map<string, number>();
  for (const e of events) {
    const at = e.at.getTime();
    seen.set(e.data.assetId, Math.min(seen.get(e.data.assetId) ?? at, at));
  }
  if (seen.size < ids.length) throw new Error(`${ids.length - seen.size} assets became ${state} without an event`);
  return seen;
}

/** CPU time the whole machine has spent busy (every process: ours, the servers, the lab), in ms. */
export function machineBusyMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
}

// USER_HZ, 100 on every Linux architecture Node supports.
const CLOCK_TICKS_PER_SECOND = 100;
