/**
 * Serialises commands per BMC. Many BMCs allow only a handful of sessions and misbehave when two
 * clients drive the chassis at once, so every ipmitool run for one `host:port` waits for the previous
 * one, whichever driver instance started it. Different BMCs run in parallel.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier call with the same key has settled. Returns what `fn` returns. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // Forget idle keys so a long-running agent does not accumulate one entry per BMC ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with a command running or waiting. */
  get activeKeys(): number {
    return this.tails.size;
  }
}

/** The process-wide queue the ipmitool driver uses by default. */
export const bmcCommandQueue = new KeyedMutex();
