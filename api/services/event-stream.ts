import { PassThrough } from 'node:stream';
import { eventIdFloor } from '../../db/event-repository.js';
import { eventMatches, type EventFilter, type LifecycleEvent } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { presentEvent } from '../presenters/event-presenter.js';
import type { EventHub } from './event-hub.js';
import { idMs, type EventSource } from './event-tail.js';

/** What one SSE connection asks for. */
export interface EventStreamRequest {
  orgId: string;
  filter: EventFilter;
  /** Resume after this event id (`Last-Event-ID` or `?since=`); omitted = live events only. */
  after?: string;
  /** Re-checks the caller's key at every heartbeat; a revoked key ends the stream. */
  stillAuthorized(): Promise<boolean>;
}

/** Limits of one connection. */
export interface EventStreamLimits {
  /** A client this far behind (bytes queued) is disconnected; it can resume with Last-Event-ID. */
  maxBufferedBytes: number;
  /** Tells browsers' EventSource how long to wait before reconnecting. */
  retryMs: number;
  pageSize: number;
}

/** Frames one event as `text/event-stream` (`id:`, `event:`, `data:` as one JSON line). */
export function sseFrame(event: LifecycleEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(presentEvent(event))}\n\n`;
}

/**
 * Opens one SSE stream: subscribes to the process's hub first (live events are held back), then
 * replays the log after `after`, then releases the held events it has not sent. Each id is sent at
 * most once. Returns the body to answer with and `close()` for when the client goes away.
 */
export function openEventStream(
  deps: { hub: EventHub; events: EventSource; log: Logger; now: () => Date; limits: EventStreamLimits },
  request: EventStreamRequest,
): { stream: PassThrough; close(): void } {
  const stream = new PassThrough();
  const after = request.after ?? eventIdFloor(deps.now().getTime());
  const sent = new Map<string, number>();
  let held: LifecycleEvent[] | undefined = request.after !== undefined ? [] : undefined;
  let closed = false;
  let unsubscribe: () => void = () => undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    stream.end();
  };
  const send = (event: LifecycleEvent) => {
    if (closed || event.id <= after || sent.has(event.id) || !eventMatches(request.filter, event)) return;
    sent.set(event.id, idMs(event.id));
    if (sent.size > 2048) forgetOlderThan(sent, idMs(event.id) - 60_000);
    stream.write(sseFrame(event));
    if (stream.writableLength > deps.limits.maxBufferedBytes) {
      deps.log.info({ orgId: request.orgId }, 'event stream client too slow; disconnected (it may resume)');
      close();
    }
  };

  stream.write(`retry: ${deps.limits.retryMs}\n: connected\n\n`);
  unsubscribe = deps.hub.subscribe({
    orgId: request.orgId,
    onEvent: (event) => (held ? held.push(event) : send(event)),
    onHeartbeat: () => {
      if (closed) return;
      stream.write(': heartbeat\n\n');
      request.stillAuthorized().then(
        (ok) => {
          if (!ok) close();
        },
        () => undefined,
      );
    },
    onClose: close,
  });

  if (request.after !== undefined) {
    replay(request.after).then(
      () => {
        const pending = held ?? [];
        held = undefined;
        for (const event of pending) send(event);
      },
      (err: unknown) => {
        deps.log.warn({ err, orgId: request.orgId }, 'event stream replay failed');
        close();
      },
    );
  }

  async function replay(from: string): Promise<void> {
    let cursor = from;
    while (!closed) {
      const batch = await deps.events.after(cursor, { limit: deps.limits.pageSize, orgIds: [request.orgId] });
      for (const event of batch) send(event);
      const last = batch.at(-1);
      if (!last || batch.length < deps.limits.pageSize) return;
      cursor = last.id;
      // Let the socket drain before the next page: replay must not buffer the whole log in memory.
      if (stream.writableNeedDrain) await drained(stream);
    }
  }

  return { stream, close };
}

function forgetOlderThan(sent: Map<string, number>, ms: number): void {
  for (const [id, at] of sent) if (at < ms) sent.delete(id);
}

function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
