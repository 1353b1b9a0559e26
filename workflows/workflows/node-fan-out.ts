import { patched } from '@temporalio/workflow';

/**
 * Runs after this patch start at most `maxParallelNodes` machine runs of a cluster at a time
 * (provisioning, wiping), and start no more provisioning once one node failed. Runs from before
 * started every node at once and replay that way.
 *
 * Why a bound: every node in flight takes an agent slot, a download from the boot server and
 * heartbeats for as long as it waits. Real racks hit these limits in one agent's PXE and image
 * traffic; Ironic and MAAS bound concurrent deployments for the same reason (the 200-node
 * figures are in bench/README.md).
 */
const BOUNDED_FAN_OUT_PATCH = 'bounded-node-fan-out';

/** How many machine runs of one cluster run at once unless the cluster request says otherwise. */
export const DEFAULT_MAX_PARALLEL_NODES = 50;

/** The bound for this run: `requested` (or the default) after the patch, none before it. */
export function nodeParallelism(requested: number | undefined): { limit: number; bounded: boolean } {
  if (!patched(BOUNDED_FAN_OUT_PATCH)) return { limit: Number.POSITIVE_INFINITY, bounded: false };
  return { limit: Math.max(1, requested ?? DEFAULT_MAX_PARALLEL_NODES), bounded: true };
}

/** The outcome of one item; `not-started` when a failure elsewhere stopped it from starting. */
export type FanOutOutcome<R> =
  { status: 'fulfilled'; value: R } | { status: 'rejected'; reason: unknown } | { status: 'not-started' };

/**
 * Runs `run` over `items`, at most `limit` at once, in order; with `failFast`, none starts after
 * one failed. With no limit every item starts in the same workflow task, in order, exactly as
 * `Promise.allSettled(items.map(run))` does (what runs before the patch recorded).
 */
export async function fanOut<T, R>(
  items: readonly T[],
  options: { limit: number; failFast: boolean },
  run: (item: T) => Promise<R>,
): Promise<FanOutOutcome<R>[]> {
  const outcomes: FanOutOutcome<R>[] = items.map(() => ({ status: 'not-started' }));
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < items.length && !(options.failFast && failed)) {
      const i = next++;
      try {
        outcomes[i] = { status: 'fulfilled', value: await run(items[i]!) };
      } catch (reason) {
        failed = true;
        outcomes[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.limit, items.length) }, lane));
  return outcomes;
}
