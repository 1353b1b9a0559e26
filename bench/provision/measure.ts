import type { AssetRepository } from '../../db/asset-repository.js';
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
 * Watches the assets until each has reached `state`, and returns when each was first seen there
 * (epoch ms). One query per 25 ms tick for all of them, so watching costs the system little.
 * Throws when some have not got there within `timeoutMs`.
 */
export async function watchStates(
  assets: AssetRepository,
  ids: string[],
  state: AssetState,
  timeoutMs: number,
  /** Called every second; throws to give up early (e.g. the cluster failed). */
  check: () => Promise<void> = async () => undefined,
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  let lastCheck = Date.now();
  while (seen.size < ids.length) {
    if (Date.now() - lastCheck > 1_000) {
      await check();
      lastCheck = Date.now();
    }
    if (Date.now() > deadline)
      throw new Error(`${ids.length - seen.size} of ${ids.length} assets did not become ${state} in time`);
    const waiting = ids.filter((id) => !seen.has(id));
    const docs = await assets.collection.find({ _id: { $in: waiting }, state }, { projection: { _id: 1 } }).toArray();
    const at = Date.now();
    for (const doc of docs) seen.set(doc._id, at);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return seen;
}
