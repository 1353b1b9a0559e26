import { patched, proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';

/**
 * Runs started after this patch do their database bookkeeping (claim an asset, mark it
 * provisioned, set a cluster's status) as local activities: run by the worker inside the
 * workflow task that asks for them, recorded as one marker. A regular activity costs a round
 * trip through the Temporal server and a workflow task of its own, several times the database
 * write it does (bench/README.md, `BENCH_BREAKDOWN=1`). Runs from before the
 * patch replay their regular activities.
 */
export const LOCAL_BOOKKEEPING_PATCH = 'bookkeeping-as-local-activities';

/**
 * Activities of `T` that run as local activities in runs started after LOCAL_BOOKKEEPING_PATCH
 * and as regular activities in older runs, with the same timeout and retry policy. Names in
 * `remoteOnly` always run as regular activities (long or CPU-heavy work that should not hold a
 * workflow task open, e.g. generating a cluster's keys).
 */
export function bookkeepingActivities<T extends object>(options: ActivityOptions, remoteOnly: (keyof T)[] = []): T {
  const remote = proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>(options);
  const local = proxyLocalActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>({
    startToCloseTimeout: options.startToCloseTimeout ?? '30 seconds',
    ...(options.retry ? { retry: options.retry } : {}),
  });
  return new Proxy({} as T, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => {
        const useLocal = !remoteOnly.includes(name as keyof T) && patched(LOCAL_BOOKKEEPING_PATCH);
        return (useLocal ? local : remote)[name]!(...args);
      };
    },
  });
}
