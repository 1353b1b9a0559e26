import { isApiError } from '../../client/api-error.js';
import { streamEvents, type EventQuery } from '../../client/event-stream.js';
import { unwrap, type RackpilotClient } from '../../client/rackpilot-client.js';
import type { Workflow } from '../../client/resources.js';
import type { CliContext, OutStream } from '../context.js';
import { ActionFailedError, InterruptedError } from '../exit-codes.js';
import {
  applyEvent,
  applyNodes,
  applySnapshot,
  initialState,
  isFinished,
  type ProgressState,
} from './progress-state.js';
import { summary } from './render-lines.js';
import { createReporter } from './reporter.js';

/** How the watch runs. */
export interface WatchOptions {
  /** Where the progress goes (stdout for tables, stderr when stdout carries JSON/YAML). */
  stream: OutStream;
  /** Between snapshots; events redraw at once. Default 5 s (the API allows 100 requests a minute per key). */
  pollMs?: number;
  /** How long to wait for the event stream to open before going on with snapshots alone. */
  openTimeoutMs?: number;
}

/** Failures a long watch rides out (the API restarting, a rate limit): the next poll tries again. */
function transient(err: unknown): boolean {
  return isApiError(err) && (err.status === 0 || err.status === 429 || err.status >= 500);
}

const MAX_TRANSIENT_FAILURES = 12;

/**
 * Watches a workflow run until it ends and shows its progress: events of the SSE stream
 * (`GET /api/v1/events`, filtered to the run's cluster or asset) redraw at once, and a snapshot
 * of the run (`GET /api/v1/workflows/{id}`) and of its machines is taken every `pollMs` and once
 * more at the end, so nothing the stream missed goes unseen. Resolves with the last state.
 * Throws InterruptedError on Ctrl-C.
 */
export async function watchWorkflow(
  ctx: CliContext,
  workflowId: string,
  options: WatchOptions,
): Promise<ProgressState> {
  const client = await ctx.client();
  const credentials = await ctx.credentials();
  const get = () => unwrap(client.GET('/api/v1/workflows/{id}', { params: { path: { id: workflowId } } }));
  const first = await get();
  const nodesOf = machineLoader(client, first);
  const reporter = createReporter(options.stream, () => ctx.now());
  const stop = new AbortController();
  const interrupted = ctx.io.signal;
  const onInterrupt = () => stop.abort();
  interrupted?.addEventListener('abort', onInterrupt, { once: true });

  let state = initialState(workflowId);
  let wake: () => void = () => undefined;
  let opened: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const events = (async () => {
    for await (const event of streamEvents({
      apiUrl: credentials.apiUrl,
      apiKey: credentials.apiKey,
      query: filterOf(first),
      signal: stop.signal,
      onOpen: () => opened(),
      ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}),
    })) {
      state = applyEvent(state, event);
      reporter.update(state);
      if (isFinished(state) || event.type === 'asset.state_changed') wake();
    }
  })().catch(() => opened()); // No stream (refused, unreachable): the snapshots carry on alone.

  try {
    await Promise.race([open, sleep(options.openTimeoutMs ?? 5_000)]);
    let failures = 0;
    for (;;) {
      try {
        state = applySnapshot(state, await get());
        state = applyNodes(state, await nodesOf());
        failures = 0;
      } catch (err) {
        if (!transient(err) || ++failures > MAX_TRANSIENT_FAILURES) throw err;
      }
      if (isFinished(state)) break;
      reporter.update(state);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs ?? 5_000);
        wake = () => (clearTimeout(timer), resolve());
        stop.signal.addEventListener('abort', wake, { once: true });
      });
      if (interrupted?.aborted) {
        throw new InterruptedError(`stopped watching; ${workflowId} goes on: rackpilot workflows watch ${workflowId}`);
      }
    }
    // The index writes a run's finish time just after the event that says it ended.
    for (let i = 0; i < 5 && state.durationMs === null; i++) {
      await sleep(200);
      state = applySnapshot(state, await get().catch(() => first));
    }
    return state;
  } finally {
    reporter.finish(state);
    interrupted?.removeEventListener('abort', onInterrupt);
    stop.abort();
    await events;
  }
}

/** Throws ActionFailedError unless the watched run completed. */
export function requireCompleted(state: ProgressState): void {
  if (state.status !== 'completed') throw new ActionFailedError(summary(state));
}

/** The stream filter that carries the run's own events and its machines' state changes. */
function filterOf(w: Workflow): EventQuery {
  const types = ['workflow.*', 'asset.state_changed'];
  if (w.type === 'os-provision' && w.target.assetId) return { types, assetId: w.target.assetId };
  if (w.target.clusterId) return { types, clusterId: w.target.clusterId };
  if (w.target.assetId) return { types, assetId: w.target.assetId };
  return { types: ['workflow.*'], workflowId: w.id };
}

/** Reads the machines the run acts on: the cluster's nodes, or the one asset. */
function machineLoader(client: RackpilotClient, w: Workflow) {
  const { clusterId, assetId } = w.target;
  return async (): Promise<{ assetId: string; label: string; state: string | null }[]> => {
    // A standalone provision targets both; its one machine is the asset.
    if (clusterId && !(w.type === 'os-provision' && assetId)) {
      const cluster = await unwrap(client.GET('/api/v1/clusters/{id}', { params: { path: { id: clusterId } } }));
      return cluster.nodes.map((n) => ({
        assetId: n.assetId,
        label: `${n.hostname} ${n.ip} ${n.role}`,
        state: n.assetStatus,
      }));
    }
    if (assetId) {
      const asset = await unwrap(client.GET('/api/v1/assets/{id}', { params: { path: { id: assetId } } }));
      return [{ assetId, label: asset.hostname ?? asset.id, state: asset.status }];
    }
    return [];
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
