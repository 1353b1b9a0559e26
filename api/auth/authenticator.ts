import { UnauthorizedError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ApiKeyRecord } from '../../db/api-key-repository.js';
import { parseApiKey, secretMatches } from './api-key-format.js';
import type { AuthContext } from './roles.js';

/** What the authenticator needs from the key store (ApiKeyRepository). */
export interface ApiKeyLookup {
  findById(id: string): Promise<ApiKeyRecord | undefined>;
  touchLastUsed(id: string, at: Date): Promise<void>;
}

interface CacheEntry {
  record: ApiKeyRecord | undefined;
  fetchedAt: number;
}

const MAX_ENTRIES = 10_000;
const TOUCH_EVERY_MS = 60_000;
/** A secret that does not match a cached record older than this is re-read (rotation elsewhere). */
const RECHECK_AFTER_MS = 1_000;

/**
 * Turns a presented API key into an AuthContext, or throws UnauthorizedError.
 *
 * Key records are cached in-process for `cacheTtlMs` (default 5 s) so an authenticated request
 * costs no database read. Revocation and rotation done through this process evict the entry at
 * once; another process sees them within `cacheTtlMs`. `lastUsedAt` is written at most once a
 * minute per key and process, off the request path.
 */
export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<CacheEntry>>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyLookup,
    private readonly options: { cacheTtlMs: number; now: () => Date },
    private readonly log: Logger,
  ) {}

  /** Returns who is calling. Throws UnauthorizedError for a missing, malformed, unknown, revoked or expired key. */
  async authenticate(presented: string | undefined): Promise<AuthContext> {
    if (!presented)
      throw new UnauthorizedError('Missing API key', 'Send `Authorization: Bearer <key>` or `X-API-Key: <key>`');
    const parsed = parseApiKey(presented);
    if (!parsed) throw new UnauthorizedError('Invalid API key', 'Not a Rackpilot API key (rp_<id>_<secret>)');
    const at = this.options.now();
    let entry = await this.entry(parsed.keyId, at.getTime(), false);
    if (
      entry.record &&
      !this.accepts(entry.record, parsed.secret, at) &&
      at.getTime() - entry.fetchedAt > RECHECK_AFTER_MS
    ) {
      entry = await this.entry(parsed.keyId, at.getTime(), true);
    }
    const record = entry.record;
    if (!record) throw new UnauthorizedError('Invalid API key', 'API key not recognised');
    if (record.revokedAt) throw new UnauthorizedError('Invalid API key', 'API key revoked');
    if (!this.accepts(record, parsed.secret, at))
      throw new UnauthorizedError('Invalid API key', 'API key not recognised');
    this.touch(record, at);
    return {
      orgId: record.orgId,
      keyId: record.id,
      role: record.role,
      ...(record.siteId ? { siteId: record.siteId } : {}),
    };
  }

  /** Forgets a cached key (call after revoking or rotating it). */
  invalidate(keyId: string): void {
    this.cache.delete(keyId);
  }

  private accepts(record: ApiKeyRecord, secret: string, at: Date): boolean {
    if (secretMatches(secret, record.secretHash)) return true;
    const graceUntil = record.previousSecretExpiresAt;
    return (
      record.previousSecretHash !== null &&
      graceUntil !== null &&
      at < graceUntil &&
      secretMatches(secret, record.previousSecretHash)
    );
  }

  private async entry(keyId: string, at: number, fresh: boolean): Promise<CacheEntry> {
    const cached = this.cache.get(keyId);
    if (!fresh && cached && at - cached.fetchedAt < this.options.cacheTtlMs) return cached;
    const inFlight = this.loading.get(keyId);
    if (inFlight) return inFlight;
    const load = this.keys
      .findById(keyId)
      .then((record) => {
        const entry = { record, fetchedAt: at };
        if (this.options.cacheTtlMs > 0) this.remember(keyId, entry);
        return entry;
      })
      .finally(() => this.loading.delete(keyId));
    this.loading.set(keyId, load);
    return load;
  }

  private remember(keyId: string, entry: CacheEntry): void {
    this.cache.delete(keyId);
    this.cache.set(keyId, entry);
    if (this.cache.size > MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  private touch(record: ApiKeyRecord, at: Date): void {
    const keyId = record.id;
    const last = this.touched.get(keyId) ?? record.lastUsedAt?.getTime() ?? 0;
    if (at.getTime() - last < TOUCH_EVERY_MS) return;
    if (this.touched.size >= MAX_ENTRIES) this.touched.clear();
    this.touched.set(keyId, at.getTime());
    this.keys
      .touchLastUsed(keyId, at)
      .catch((err: unknown) => this.log.warn({ err, keyId }, 'lastUsedAt update failed'));
  }
}
