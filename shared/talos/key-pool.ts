import type { KeyObject } from 'node:crypto';
import type { CryptoSource, KeyKind } from './crypto-source.js';

/**
 * A crypto source that keeps a few keys of the slow kinds generated ahead of time. An RSA-4096
 * key (a cluster's service-account key) takes OpenSSL one to three seconds of CPU; generated in
 * the background between cluster requests, it is not on the request's critical path. Keys are
 * handed out once each and never written anywhere; when the pool is empty the caller waits for a
 * fresh key exactly as without a pool. Generation runs on libuv's thread pool, not the event loop.
 */
export class KeyPool implements CryptoSource {
  private readonly ready = new Map<KeyKind, Promise<KeyObject>[]>();

  constructor(
    private readonly base: CryptoSource,
    private readonly sizes: Partial<Record<KeyKind, number>>,
  ) {
    for (const [kind, size] of Object.entries(sizes) as [KeyKind, number][]) {
      this.ready.set(kind, []);
      for (let i = 0; i < size; i++) this.refill(kind);
    }
  }

  randomBytes(n: number): Uint8Array {
    return this.base.randomBytes(n);
  }

  sign(key: KeyObject, data: Uint8Array): Uint8Array {
    return this.base.sign(key, data);
  }

  /** A pooled key when one of that kind is ready or under way (the pool refills behind it), else a fresh one. */
  generateKey(kind: KeyKind): Promise<KeyObject> {
    const queue = this.ready.get(kind);
    const next = queue?.shift();
    if (!next) return this.base.generateKey(kind);
    this.refill(kind);
    return next;
  }

  private refill(kind: KeyKind): void {
    const key = this.base.generateKey(kind);
    // A failed generation is reported to whoever takes it; it must not crash the process meanwhile.
    key.catch(() => undefined);
    this.ready.get(kind)!.push(key);
  }
}
