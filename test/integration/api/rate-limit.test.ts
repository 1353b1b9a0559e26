import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from './harness.js';

// A frozen clock 10 s into a minute: windows cannot roll over mid-test, Retry-After is exact.
const FROZEN = Date.UTC(2031, 5, 1, 12, 30, 10);
const now = () => new Date(FROZEN);

describe('rate limits (100/min, 1000/h per key, shared through MongoDB)', () => {
  const h = new ApiHarness();
  let api: TestApi;

  beforeAll(async () => {
    await h.open('api_ratelimit');
    api = await h.start({ now });
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  async function freshKey(instance = api) {
    const org = await h.organization(instance);
    return (await h.key(instance, org.adminKey, 'admin')).key;
  }

  it('answers the 101st request in a minute with 429 RATE_LIMITED and Retry-After', async () => {
    const key = await freshKey();
    for (let i = 1; i <= 100; i += 1) {
      const res = await api.request('GET', '/api/v1/api-keys', { key });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('100');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(100 - i));
      expect(res.headers.get('ratelimit-reset')).toBe('50');
    }
    const refused = await api.request('GET', '/api/v1/api-keys', { key });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'Rate limit exceeded',
      code: 'RATE_LIMITED',
      details: { limit: 100, window: 'minute' },
    });
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-policy')).toBe('100;w=60, 1000;w=3600');
    expect((await api.request('GET', '/api/v1/api-keys', { key: await freshKey() })).status).toBe(200);
  });

  it('puts the headers on every authenticated answer, errors included, and none on public routes', async () => {
    const org = await h.organization(api);
    const viewer = await h.key(api, org.adminKey, 'viewer');
    const forbidden = await api.request('GET', '/api/v1/api-keys', { key: viewer.key });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('ratelimit-remaining')).toBe('99');
    expect((await api.request('GET', '/healthz')).headers.get('ratelimit-limit')).toBeNull();
  });

  it('shares one allowance between two API instances on the same database', async () => {
    const second = await h.start({ now });
    const key = await freshKey();
    let admitted = 0;
    for (let i = 0; i < 150; i += 1)
      if ((await (i % 2 ? api : second).request('GET', '/api/v1/api-keys', { key })).status === 200) admitted += 1;
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(95);
    expect((await second.request('GET', '/api/v1/api-keys', { key })).status).toBe(429);
  });

  it('shares the exact count when every request is counted in the database', async () => {
    const [a, b] = [await h.start({ now, rateLimitMaxBatch: 1 }), await h.start({ now, rateLimitMaxBatch: 1 })];
    const key = await freshKey(a);
    for (let i = 0; i < 60; i += 1) expect((await a.request('GET', '/api/v1/api-keys', { key })).status).toBe(200);
    for (let i = 0; i < 40; i += 1) expect((await b.request('GET', '/api/v1/api-keys', { key })).status).toBe(200);
    expect((await b.request('GET', '/api/v1/api-keys', { key })).status).toBe(429);
    expect((await a.request('GET', '/api/v1/api-keys', { key })).status).toBe(429);
  });

  it('applies a configured hourly limit and says which window refused', async () => {
    const hourly = await h.start({
      now,
      env: { RACKPILOT_RATE_LIMIT_PER_HOUR: '5', RACKPILOT_RATE_LIMIT_PER_MINUTE: '100' },
    });
    const org = await h.organization(hourly);
    const key = org.adminKey;
    for (let i = 0; i < 5; i += 1) expect((await hourly.request('GET', '/api/v1/api-keys', { key })).status).toBe(200);
    const refused = await hourly.request('GET', '/api/v1/api-keys', { key });
    expect(refused.status).toBe(429);
    expect(refused.body.details).toEqual({ limit: 5, window: 'hour' });
    expect(refused.headers.get('retry-after')).toBe(String(30 * 60 - 10));
  });

  it('stores windows with an expiry and deletes expired ones itself (FerretDB has no TTL indexes)', async () => {
    const windows = api.container.db.collection('rate_limits');
    expect(await windows.countDocuments({ expiresAt: { $gt: new Date(FROZEN) } })).toBeGreaterThan(0);
    const deleted = await api.container.repositories.rateLimits.deleteExpired(new Date(FROZEN + 3 * 3_600_000));
    expect(deleted).toBeGreaterThan(0);
    expect(await windows.countDocuments({})).toBe(0);
  });
});
