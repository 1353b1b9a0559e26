import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from './harness.js';

describe('API keys', () => {
  const h = new ApiHarness();
  const clock = { ms: Date.now() };
  const now = () => new Date(clock.ms);
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('api_keys');
    api = await h.start({ now });
    org = await h.organization(api, 'Acme');
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  it('shows a new key once, then only masked, and never the hash', async () => {
    const created = await api.request('POST', '/api/v1/api-keys', {
      key: org.adminKey,
      body: { name: 'ci', role: 'operator' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^rp_[0-9a-z]{12}_[0-9A-Za-z]{40}$/);
    expect(created.body).toMatchObject({ name: 'ci', role: 'operator', status: 'active', createdBy: org.adminKeyId });
    const shown = await api.request('GET', `/api/v1/api-keys/${created.body.id}`, { key: org.adminKey });
    expect(shown.body.maskedKey).toBe(`rp_${created.body.id}_********${created.body.key.slice(-4)}`);
    expect(shown.body.key).toBeUndefined();
    const listed = await api.request('GET', '/api/v1/api-keys', { key: org.adminKey });
    expect(listed.text).not.toContain(created.body.key.split('_')[2]);
    expect(listed.text).not.toMatch(/secretHash|_id|orgId/);
    expect((await api.request('GET', '/api/v1/api-keys', { key: created.body.key })).status).toBe(403);
  });

  it('tells a user key who it is (GET /api/v1/me): role and organization, never the secret', async () => {
    const site = await h.site(api, org.adminKey, 'me-site');
    const viewer = await h.key(api, org.adminKey, 'viewer');
    const agent = await h.key(api, org.adminKey, 'agent', { siteId: site });
    for (const [key, id, role, siteId] of [
      [org.adminKey, org.adminKeyId, 'admin', null],
      [viewer.key, viewer.id, 'viewer', null],
    ] as const) {
      const me = await api.request('GET', '/api/v1/me', { key });
      expect(me.status, me.text).toBe(200);
      expect(me.body).toMatchObject({ id, role, siteId, orgId: org.orgId, status: 'active' });
      expect(me.text).not.toContain(key.slice(-12));
    }
    // An agent key stays confined to the agent endpoints, and the refusal names its role.
    const asAgent = await api.request('GET', '/api/v1/me', { key: agent.key });
    expect(asAgent.status).toBe(403);
    expect(asAgent.body).toMatchObject({ code: 'FORBIDDEN', details: { role: 'agent' } });
    const anonymous = await api.request('GET', '/api/v1/me');
    expect(anonymous.status).toBe(401);
  });

  it('records lastUsedAt, at most once a minute', async () => {
    const k = await h.key(api, org.adminKey, 'viewer');
    const before = await api.request('GET', `/api/v1/api-keys/${k.id}`, { key: org.adminKey });
    expect(before.body.lastUsedAt).toBeNull();
    await api.request('GET', '/api/v1/api-keys', { key: k.key });
    await expect
      .poll(async () => (await api.container.repositories.apiKeys.findById(k.id))?.lastUsedAt?.getTime())
      .toBe(clock.ms);
    const first = clock.ms;
    clock.ms += 10_000;
    await api.request('GET', '/api/v1/api-keys', { key: k.key });
    await new Promise((r) => setTimeout(r, 100));
    expect((await api.container.repositories.apiKeys.findById(k.id))?.lastUsedAt?.getTime()).toBe(first);
    const shown = await api.request('GET', `/api/v1/api-keys/${k.id}`, { key: org.adminKey });
    expect(shown.body.lastUsedAt).toBe(new Date(first).toISOString());
  });

  it('rotates: the new secret works at once, the old one until the 24 h grace period ends', async () => {
    const k = await h.key(api, org.adminKey, 'admin');
    const rotated = await api.request('POST', `/api/v1/api-keys/${k.id}/rotate`, { key: org.adminKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(k.id);
    expect(rotated.body.key).not.toBe(k.key);
    expect(rotated.body.previousSecretValidUntil).toBe(new Date(clock.ms + 86_400_000).toISOString());
    expect((await api.request('GET', '/api/v1/api-keys', { key: k.key })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/api-keys', { key: rotated.body.key })).status).toBe(200);
    clock.ms += 86_400_000 + 1_000;
    const old = await api.request('GET', '/api/v1/api-keys', { key: k.key });
    expect(old.status).toBe(401);
    expect((await api.request('GET', '/api/v1/api-keys', { key: rotated.body.key })).status).toBe(200);
  });

  it('revokes immediately on the process that revoked, and within the cache TTL on the others', async () => {
    const other = await h.start({ now });
    const uncached = await h.start({ now, env: { RACKPILOT_AUTH_CACHE_TTL_MS: '0' } });
    const k = await h.key(api, org.adminKey, 'admin');
    for (const instance of [api, other, uncached])
      expect((await instance.request('GET', '/api/v1/api-keys', { key: k.key })).status).toBe(200);
    const revoked = await api.request('DELETE', `/api/v1/api-keys/${k.id}`, { key: org.adminKey });
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedAt: now().toISOString() });
    const here = await api.request('GET', '/api/v1/api-keys', { key: k.key });
    expect(here.status).toBe(401);
    expect(here.body.details).toBe('API key revoked');
    expect((await uncached.request('GET', '/api/v1/api-keys', { key: k.key })).status).toBe(401);
    clock.ms += 5_001;
    expect((await other.request('GET', '/api/v1/api-keys', { key: k.key })).status).toBe(401);
    const again = await api.request('DELETE', `/api/v1/api-keys/${k.id}`, { key: org.adminKey });
    expect(again.status).toBe(409);
    expect((await api.request('POST', `/api/v1/api-keys/${k.id}/rotate`, { key: org.adminKey })).status).toBe(409);
  });

  it("refuses to revoke an organization's last admin key", async () => {
    const lone = await h.organization(api, 'Initech');
    const res = await api.request('DELETE', `/api/v1/api-keys/${lone.adminKeyId}`, { key: lone.adminKey });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('LAST_ADMIN_KEY');
  });

  it('names every offending field of an invalid request', async () => {
    const res = await api.request('POST', '/api/v1/api-keys', {
      key: org.adminKey,
      body: { name: '', role: 'root', extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const fields = res.body.details.fields.map((f: { in: string; field: string }) => `${f.in}.${f.field}`);
    expect(fields.sort()).toEqual(['body.extra', 'body.name', 'body.role']);
    const agent = await api.request('POST', '/api/v1/api-keys', {
      key: org.adminKey,
      body: { name: 'a', role: 'agent' },
    });
    expect(agent.body.details.fields).toEqual([{ in: 'body', field: 'siteId', message: 'agent keys need a siteId' }]);
    // An id of no key's shape names no key: 404, as Colony answers (test/integration/conformance/).
    const badId = await api.request('GET', '/api/v1/api-keys/NOPE', { key: org.adminKey });
    expect(badId.status).toBe(404);
    expect(badId.body.code).toBe('NOT_FOUND');
  });

  it('pages, sorts and filters the listing', async () => {
    const p = await h.organization(api, 'Pager');
    for (const name of ['b', 'c', 'a']) await h.key(api, p.adminKey, 'viewer', { name });
    const page = await api.request('GET', '/api/v1/api-keys?perPage=2&page=1&sort=name', { key: p.adminKey });
    expect(page.body).toMatchObject({ page: 1, perPage: 2, total: 4 });
    expect(page.body.apiKeys.map((k: { name: string }) => k.name)).toEqual(['a', 'b']);
    const second = await api.request('GET', '/api/v1/api-keys?perPage=2&page=2&sort=name', { key: p.adminKey });
    expect(second.body.apiKeys.map((k: { name: string }) => k.name)).toEqual(['bootstrap admin', 'c']);
    const viewers = await api.request('GET', '/api/v1/api-keys?role=viewer', { key: p.adminKey });
    expect(viewers.body.total).toBe(3);
    const bad = await api.request('GET', '/api/v1/api-keys?perPage=501&sort=-secretHash', { key: p.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['perPage', 'sort']);
  });
});
