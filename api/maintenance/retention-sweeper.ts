import type { Logger } from '../../shared/logger.js';

/** One kind of record that is deleted once older than its retention. */
export interface RetentionTarget {
  /** What is deleted, for the log (`finished agent jobs`). */
  name: string;
  retentionMs: number;
  /** Deletes the records older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

/**
 * Deletes what the platform keeps only for a while: lifecycle events and finished webhook
 * deliveries, finished agent jobs and their claims, and the claims of asset versions long left
 * behind. FerretDB has no TTL indexes, so the API does
 * it, every `everyMs` in each process (deleting the same records twice is harmless). A failed
 * round is logged and tried again at the next.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private active = false;

  constructor(private readonly deps: { targets: RetentionTarget[]; everyMs: number; now: () => Date; log: Logger }) {}

  /** Starts the rounds (idempotent); the first runs at once. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.schedule(0);
  }

  /** Stops the rounds and waits for one in flight. */
  async stop(): Promise<void> {
    this.active = false;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round over every target; returns how many records each lost. */
  async sweep(): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const target of this.deps.targets) {
      const before = new Date(this.deps.now().getTime() - target.retentionMs);
      try {
        removed[target.name] = await target.prune(before);
        if (removed[target.name]! > 0)
          this.deps.log.info({ removed: removed[target.name], before }, `pruned ${target.name}`);
      } catch (err) {
        this.deps.log.warn({ err }, `pruning ${target.name} failed; next round tries again`);
      }
    }
    return removed;
  }

  private schedule(delayMs: number): void {
    if (!this.active) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
          this.schedule(this.deps.everyMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
