/**
 * One Server-Sent Events connection per signed-in tab, shared by every page. EventSource cannot
 * send the API key (the API reads it from a header only), so the client's fetch-based
 * `streamEvents` reads the stream; it resumes from the last event id after a drop.
 */
import { streamEvents, type StreamedEvent } from '../../../client/index.js';
import { isApiError } from './api.js';

export type { StreamedEvent };

/** Whether events are flowing. */
export type LiveStatus = 'connecting' | 'live' | 'down';

type Listener = (event: StreamedEvent) => void;

const RETRY_AFTER_REFUSAL_MS = 10_000;

/** The tab's event stream: `subscribe` to events, `onStatus` to the connection's state. */
export class LiveEvents {
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private readonly abort = new AbortController();
  status: LiveStatus = 'connecting';

  constructor(
    private readonly apiKey: string,
    private readonly onUnauthorized: () => void,
  ) {}

  /** Starts reading (once). */
  start(): void {
    void this.run();
  }

  /** Ends the stream (sign out). */
  stop(): void {
    this.abort.abort();
  }

  /** Calls `listener` with every event; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` on every change of the connection's state; returns the unsubscribe function. */
  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      this.setStatus('connecting');
      try {
        for await (const event of streamEvents({
          apiUrl: window.location.origin,
          apiKey: this.apiKey,
          signal,
          onOpen: () => this.setStatus('live'),
        })) {
          for (const l of this.listeners) l(event);
        }
      } catch (err) {
        if (isApiError(err) && err.status === 401) {
          this.onUnauthorized();
          return;
        }
      }
      if (signal.aborted) return;
      // Refused (rate limit) or unreachable: say so, and try again a little later.
      this.setStatus('down');
      await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_REFUSAL_MS));
    }
  }
}
