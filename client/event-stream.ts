import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { EventData, EventType } from '../shared/events.js';
import { apiErrorFrom, unreachable } from './api-error.js';

/** One lifecycle event as the stream sends it (`at` is an ISO date). */
export type StreamedEvent = {
  [T in EventType]: { id: string; type: T; orgId: string; at: string; data: EventData[T] };
}[EventType];

/** Filters of `GET /api/v1/events` (all optional). */
export interface EventQuery {
  /** Event types or prefixes: `asset.*`, `workflow.step_finished`. */
  types?: string[];
  assetId?: string;
  clusterId?: string;
  workflowId?: string;
  /** Replay the events after this id first. */
  since?: string;
}

/** Options of `streamEvents`. */
export interface StreamOptions {
  apiUrl: string;
  apiKey: string;
  query?: EventQuery;
  signal?: AbortSignal;
  /** Called once the API has accepted the stream (answered 200), before any event. */
  onOpen?: () => void;
  /** Wait before reconnecting after the stream dropped; default what the server's `retry:` said, else 3 s. */
  retryMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * Reads the organization's Server-Sent Events stream, reconnecting after a drop with
 * `Last-Event-ID` (so each event comes once). Ends when `signal` aborts. Throws ApiError when the
 * API refuses the stream (a bad key, a bad filter) or cannot be reached on the first connection.
 */
export async function* streamEvents(options: StreamOptions): AsyncGenerator<StreamedEvent> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let lastEventId = options.query?.since;
  let retryMs = options.retryMs ?? 3_000;
  let connected = false;
  while (!options.signal?.aborted) {
    const url = eventsUrl(options.apiUrl, { ...options.query, ...(lastEventId ? { since: lastEventId } : {}) });
    let res: Response;
    try {
      res = await fetchImpl(url, {
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) return;
      if (!connected) throw unreachable(options.apiUrl, err);
      await pause(retryMs, options.signal);
      continue;
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      throw apiErrorFrom(res.status, parseJson(text));
    }
    if (!connected) options.onOpen?.();
    connected = true;
    const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(
      new EventSourceParserStream({
        onRetry: (ms) => {
          if (options.retryMs === undefined) retryMs = ms;
        },
      }),
    );
    try {
      for await (const message of events) {
        if (message.id) lastEventId = message.id;
        const event = parseJson(message.data) as StreamedEvent | undefined;
        if (event && typeof event === 'object' && typeof event.type === 'string') yield event;
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      void err; // A dropped connection: reconnect below, from the last id.
    }
    await pause(retryMs, options.signal);
  }
}

/** The URL of the stream with its filters. */
export function eventsUrl(apiUrl: string, query: EventQuery = {}): string {
  // Appended, not resolved: an API under a path prefix (https://host/rackpilot) keeps it.
  const url = new URL(`${apiUrl.replace(/\/+$/, '')}/api/v1/events`);
  if (query.types && query.types.length > 0) url.searchParams.set('type', query.types.join(','));
  for (const key of ['assetId', 'clusterId', 'workflowId', 'since'] as const) {
    const value = query[key];
    if (value) url.searchParams.set(key, value);
  }
  return url.toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
