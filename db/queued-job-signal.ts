/**
 * A process-local doorbell from the writers of the agent job queue to the site feeds that read
 * it. The database has no change streams to push from (FerretDB), so across processes a feed
 * finds a new job at its next poll, up to 100 ms later on a quiet site. When the worker's
 * `runOnAgent` and the API's feed share a process (`npm start`, the benchmark, a one-process
 * deployment), the activity rings and the feed polls at once. Nothing depends on the ring: a
 * feed that does not hear it still finds the job by polling.
 */
export class QueuedJobSignal {
  private readonly listeners = new Set<(siteId: string) => void>();

  /** Tells every listener that a job of `siteId` was just queued. */
  ring(siteId: string): void {
    for (const listener of this.listeners) listener(siteId);
  }

  /** Calls `listener` on every ring until the returned function is called. */
  listen(listener: (siteId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
