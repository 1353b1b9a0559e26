import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from './harness.js';

describe('authentication, roles and organization scope', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let acme: Awaited<ReturnType<ApiHarness['organization']>>;
  let globex: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('api_auth');
    api = await h.start();
    acme = await h.organization(api, 'Acme');
    globex = await h.organization(api, 'Globex');
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  it('accepts the key as a Bearer token and as X-API-Key', async () => {
    expect((await api.request('GET', '/api/v1/api-keys', { key: acme.adminKey })).status).toBe(200);
    const viaHeader = await api.request('GET', '/api/v1/api-keys', { headers: { 'x-api-key': acme.adminKey } });
    expect(viaHeader.status).toBe(200);
  });

  it('answers 401 UNAUTHORIZED with details for a missing, malformed or unknown key', async () => {
    const missing = await api.request('GET', '/api/v1/api-keys');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: 'UNAUTHORIZED', error: 'Missing API key' });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="rackpilot"');
    const malformed = await api.request('GET', '/api/v1/api-keys', { key: 'not-a-key' });
    expect(malformed.body).toMatchObject({
      code: 'UNAUTHORIZED',
      details: expect.stringContaining('rp_<id>_<secret>'),
    });
    const [, id] = acme.adminKey.split('_');
    const forged = await api.request('GET', '/api/v1/api-keys', { key: `rp_${id}_${'x'.repeat(40)}` });
    expect(forged.status).toBe(401);
    expect(forged.body.details).toBe('API key not recognised');
  });

  it('answers 403 FORBIDDEN when the role may not act', async () => {
    const viewer = await h.key(api, acme.adminKey, 'viewer');
    const operator = await h.key(api, acme.adminKey, 'operator');
    for (const key of [viewer.key, operator.key]) {
      const list = await api.request('GET', '/api/v1/api-keys', { key });
      expect(list.status).toBe(403);
      expect(list.body).toMatchObject({ code: 'FORBIDDEN', details: { allowed: ['admin'] } });
      const create = await api.request('POST', '/api/v1/api-keys', { key, body: { name: 'x', role: 'admin' } });
      expect(create.status).toBe(403);
    }
    expect((await api.request('GET', '/api/v1/audit', { key: viewer.key })).status).toBe(403);
  });

  it('confines agent keys to the agent endpoints', async () => {
    const agent = await h.key(api, acme.adminKey, 'agent', { siteId: 'site-ams1' });
    const res = await api.request('GET', '/api/v1/api-keys', { key: agent.key });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('Agent keys may only call the agent endpoints');
  });

  it("answers 404 for another organization's key, never its data", async () => {
    const globexViewer = await h.key(api, globex.adminKey, 'viewer');
    for (const [method, path] of [
      ['GET', `/api/v1/api-keys/${globexViewer.id}`],
      ['DELETE', `/api/v1/api-keys/${globexViewer.id}`],
      ['POST', `/api/v1/api-keys/${globexViewer.id}/rotate`],
    ] as const) {
      const res = await api.request(method, path, { key: acme.adminKey });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
      expect(res.text).not.toContain('Globex');
    }
    const list = await api.request('GET', '/api/v1/api-keys?perPage=500', { key: acme.adminKey });
    expect(list.body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(globexViewer.id);
    expect((await api.request('GET', `/api/v1/api-keys/${globexViewer.id}`, { key: globex.adminKey })).status).toBe(
      200,
    );
  });

  it('marks authenticated answers as not cacheable', async () => {
    const res = await api.request('GET', '/api/v1/api-keys', { key: acme.adminKey });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
