import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../shared/errors.js';
import type { ApiKeyRecord } from '../../db/api-key-repository.js';
import { formatApiKey, hashKeySecret, newKeyId, newKeySecret } from './api-key-format.js';
import { Authenticator, type ApiKeyLookup } from './authenticator.js';

class MemoryKeys implements ApiKeyLookup {
  readonly records = new Map<string, ApiKeyRecord>();
  reads = 0;
  touches: Date[] = [];
  async findById(id: string) {
    this.reads += 1;
    const r = this.records.get(id);
    return r ? { ...r } : undefined;
  }
  async touchLastUsed(_id: string, at: Date) {
    this.touches.push(at);
  }
}

function setup(cacheTtlMs = 5_000) {
  const clock = { ms: Date.UTC(2030, 0, 1) };
  const keys = new MemoryKeys();
  const auth = new Authenticator(keys, { cacheTtlMs, now: () => new Date(clock.ms) }, pino({ level: 'silent' }));
  const add = (overrides: Partial<ApiKeyRecord> = {}) => {
    const id = newKeyId();
    const secret = newKeySecret();
    keys.records.set(id, {
      id,
      orgId: 'org_1',
      name: 'ci',
      role: 'operator',
      siteId: null,
      secretHash: hashKeySecret(secret),
      secretLast4: secret.slice(-4),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      createdAt: new Date(clock.ms),
      createdBy: null,
      rotatedAt: null,
      revokedAt: null,
      lastUsedAt: null,
      ...overrides,
    });
    return { id, secret, key: formatApiKey(id, secret) };
  };
  return { clock, keys, auth, add };
}

const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof UnauthorizedError ? String(e.details) : 'other'),
  );

describe('Authenticator', () => {
  it('resolves a valid key to its organization, id and role', async () => {
    const { auth, add } = setup();
    const k = add({ role: 'agent', siteId: 'site_1' });
    expect(await auth.authenticate(k.key)).toEqual({ orgId: 'org_1', keyId: k.id, role: 'agent', siteId: 'site_1' });
  });

  it('refuses missing, malformed, unknown, wrong-secret and revoked keys', async () => {
    const { auth, add } = setup();
    const k = add();
    const revoked = add({ revokedAt: new Date() });
    expect(await reason(auth.authenticate(undefined))).toMatch(/Authorization: Bearer/);
    expect(await reason(auth.authenticate('hunter2'))).toMatch(/Not a Rackpilot API key/);
    expect(await reason(auth.authenticate(formatApiKey(newKeyId(), newKeySecret())))).toBe('API key not recognised');
    expect(await reason(auth.authenticate(formatApiKey(k.id, newKeySecret())))).toBe('API key not recognised');
    expect(await reason(auth.authenticate(revoked.key))).toBe('API key revoked');
  });

  it('serves repeated requests from the cache and re-reads after the TTL', async () => {
    const { auth, add, keys, clock } = setup();
    const k = add();
    await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(k.key)));
    expect(keys.reads).toBe(1);
    clock.ms += 5_001;
    await auth.authenticate(k.key);
    expect(keys.reads).toBe(2);
  });

  it('sees a revocation made elsewhere within the TTL, and at once after invalidate()', async () => {
    const { auth, add, keys, clock } = setup();
    const k = add();
    await auth.authenticate(k.key);
    keys.records.get(k.id)!.revokedAt = new Date();
    await expect(auth.authenticate(k.key)).resolves.toBeDefined();
    auth.invalidate(k.id);
    expect(await reason(auth.authenticate(k.key))).toBe('API key revoked');
    const other = add();
    await auth.authenticate(other.key);
    keys.records.get(other.id)!.revokedAt = new Date();
    clock.ms += 5_001;
    expect(await reason(auth.authenticate(other.key))).toBe('API key revoked');
  });

  it('accepts the previous secret of a rotated key until the grace period ends', async () => {
    const { auth, add, keys, clock } = setup(0);
    const old = add();
    const next = newKeySecret();
    Object.assign(keys.records.get(old.id)!, {
      secretHash: hashKeySecret(next),
      previousSecretHash: hashKeySecret(old.secret),
      previousSecretExpiresAt: new Date(clock.ms + 60_000),
    });
    expect(await reason(auth.authenticate(old.key))).toBe('accepted');
    expect(await reason(auth.authenticate(formatApiKey(old.id, next)))).toBe('accepted');
    clock.ms += 60_000;
    expect(await reason(auth.authenticate(old.key))).toBe('API key not recognised');
    expect(await reason(auth.authenticate(formatApiKey(old.id, next)))).toBe('accepted');
  });

  it('re-reads a cached key when a secret does not match (rotated on another process)', async () => {
    const { auth, add, keys, clock } = setup();
    const k = add();
    await auth.authenticate(k.key);
    const next = newKeySecret();
    keys.records.get(k.id)!.secretHash = hashKeySecret(next);
    clock.ms += 1_001;
    expect(await reason(auth.authenticate(formatApiKey(k.id, next)))).toBe('accepted');
  });

  it('writes lastUsedAt at most once a minute per key', async () => {
    const { auth, add, keys, clock } = setup();
    const k = add();
    for (let i = 0; i < 30; i += 1) {
      await auth.authenticate(k.key);
      clock.ms += 5_000;
    }
    expect(keys.touches.length).toBeGreaterThanOrEqual(2);
    expect(keys.touches.length).toBeLessThanOrEqual(3);
  });
});
