import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsset } from '../../support/orchestration-harness.js';
import { documentedBody } from '../api/documented-body.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

describe('sites and agent enrollment', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let clock = new Date('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    await h.open('res_sites');
    api = await h.start({ now: () => clock });
    org = await h.organization(api, 'Sites');
    other = await h.organization(api, 'Elsewhere');
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  const auditRows = async (requestId: string) =>
    (await api.request('GET', '/api/v1/audit?perPage=500', { key: org.adminKey })).body.entries.filter(
      (e: { requestId: string }) => e.requestId === requestId,
    );

  async function createSite(name: string, key = org.adminKey) {
    const res = await api.request('POST', '/api/v1/sites', { key, body: { name, description: 'dc' } });
    expect(res.status, res.text).toBe(201);
    h.secrets.add(res.body.enrollmentToken);
    return res.body as { id: string; enrollmentToken: string };
  }

  it('creates, lists, reads, renames and deletes sites, with audit rows', async () => {
    const res = await api.request('POST', '/api/v1/sites', {
      key: org.adminKey,
      body: { name: 'fra-1' },
      headers: { 'x-request-id': 'site-create' },
    });
    expect(res.status, res.text).toBe(201);
    h.secrets.add(res.body.enrollmentToken);
    expect(res.body).toMatchObject({
      name: 'fra-1',
      description: null,
      enrolled: false,
      agent: { online: false, lastSeenAt: null, version: null },
    });
    expect(res.body.id).toMatch(/^site_[0-9a-f]{16}$/);
    expect(res.body.enrollmentToken).toMatch(/^rpe_/);
    const stored = await api.container.repositories.sites.findById(res.body.id);
    expect(JSON.stringify(stored)).not.toContain(res.body.enrollmentToken);
    expect(await auditRows('site-create')).toEqual([
      expect.objectContaining({ action: 'site.create', target: { type: 'site', id: res.body.id }, status: 201 }),
    ]);

    const dup = await api.request('POST', '/api/v1/sites', { key: org.adminKey, body: { name: 'fra-1' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('SITE_NAME_TAKEN');

    const got = await api.request('GET', `/api/v1/sites/${res.body.id}`, { key: org.adminKey });
    expect(got.status).toBe(200);
    expect(got.body.enrollmentToken).toBeUndefined();
    const list = await api.request('GET', '/api/v1/sites?name=fra-1', { key: org.adminKey });
    expect(list.body).toMatchObject({ total: 1, sites: [{ id: res.body.id }] });

    const patched = await api.request('PATCH', `/api/v1/sites/${res.body.id}`, {
      key: org.adminKey,
      body: { name: 'fra-2', description: 'Frankfurt' },
      headers: { 'x-request-id': 'site-patch' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: 'fra-2', description: 'Frankfurt' });
    expect(await auditRows('site-patch')).toEqual([expect.objectContaining({ action: 'site.update', status: 200 })]);

    const del = await api.request('DELETE', `/api/v1/sites/${res.body.id}`, {
      key: org.adminKey,
      headers: { 'x-request-id': 'site-delete' },
    });
    expect(del.status).toBe(204);
    expect(await auditRows('site-delete')).toEqual([expect.objectContaining({ action: 'site.delete', status: 204 })]);
    expect((await api.request('GET', `/api/v1/sites/${res.body.id}`, { key: org.adminKey })).status).toBe(404);
  });

  it('names the offending fields and enforces roles', async () => {
    const bad = await api.request('POST', '/api/v1/sites', {
      key: org.adminKey,
      body: { name: 'Not A DNS Name', extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['extra', 'name']);
    const empty = await api.request('PATCH', '/api/v1/sites/site_0123456789abcdef', { key: org.adminKey, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ message: 'nothing to change' }] },
    });
    // The document says so too (minProperties), and takes what the route takes.
    const documented = await documentedBody(api, 'PATCH', '/api/v1/sites/{id}');
    expect([documented({}), documented({ description: '' }), documented({ name: 'fra-2' })]).toEqual([
      false,
      true,
      true,
    ]);
    // An id of no site's shape names no site: 404, as Colony answers (test/integration/conformance/).
    const badId = await api.request('GET', '/api/v1/sites/nope', { key: org.adminKey });
    expect(badId.status).toBe(404);
    expect(badId.body).toMatchObject({ code: 'SITE_NOT_FOUND', details: { siteId: 'nope' } });
    const viewer = await h.key(api, org.adminKey, 'viewer');
    expect((await api.request('POST', '/api/v1/sites', { key: viewer.key, body: { name: 'x' } })).status).toBe(403);
    expect((await api.request('GET', '/api/v1/sites', { key: viewer.key })).status).toBe(200);
  });

  it("answers 404 for another organization's site", async () => {
    const site = await createSite('ams-1');
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'mine' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api.request(method, `/api/v1/sites/${site.id}`, { key: other.adminKey, body });
      expect(res.status, method).toBe(404);
      expect(res.body.code).toBe('SITE_NOT_FOUND');
    }
    expect((await api.request('GET', '/api/v1/sites', { key: other.adminKey })).body.total).toBe(0);
  });

  it('refuses to delete a site that still has assets', async () => {
    const site = await createSite('lon-1');
    const asset = buildAsset({ orgId: org.orgId, siteId: site.id, state: 'available' });
    await api.container.repositories.assets.insert(asset);
    const res = await api.request('DELETE', `/api/v1/sites/${site.id}`, { key: org.adminKey });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'SITE_NOT_EMPTY', details: { siteId: site.id, assets: 1 } });
    await api.container.repositories.assets.collection.deleteOne({ _id: asset._id });
    expect((await api.request('DELETE', `/api/v1/sites/${site.id}`, { key: org.adminKey })).status).toBe(204);
  });

  it('exchanges the enrollment token exactly once for an agent key bound to the site', async () => {
    const site = await createSite('par-1');
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.request('POST', '/api/v1/agent/register', {
          body: { enrollmentToken: site.enrollmentToken, name: 'agent-par', version: '1.2.3' },
          headers: { 'x-request-id': 'agent-register' },
        }),
      ),
    );
    const won = attempts.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    expect(attempts.filter((r) => r.status === 401)).toHaveLength(9);
    const reg = won[0]!.body;
    h.secrets.add(reg.apiKey);
    expect(reg).toMatchObject({ siteId: site.id });
    expect(reg.apiKey).toMatch(/^rp_/);
    expect(await auditRows('agent-register')).toEqual([
      expect.objectContaining({ action: 'agent.register', keyId: reg.agentId, role: 'agent', status: 201 }),
    ]);

    const again = await api.request('POST', '/api/v1/agent/register', {
      body: { enrollmentToken: site.enrollmentToken, name: 'agent-par', version: '1.2.3' },
    });
    expect(again.status).toBe(401);
    const invalid = await api.request('POST', '/api/v1/agent/register', { body: { enrollmentToken: 'short' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'enrollmentToken',
      'name',
      'version',
    ]);

    const key = await api.container.services.apiKeys.get(org.orgId, reg.agentId);
    expect(key).toMatchObject({ role: 'agent', siteId: site.id });
    const view = await api.request('GET', `/api/v1/sites/${site.id}`, { key: org.adminKey });
    expect(view.body).toMatchObject({ enrolled: true, agent: { online: true, version: '1.2.3' } });
    // The agent key may only call agent endpoints.
    expect((await api.request('GET', `/api/v1/sites/${site.id}`, { key: reg.apiKey })).status).toBe(403);
  });

  it('records heartbeats and shows the agent offline after the silence threshold', async () => {
    const site = await createSite('nyc-1');
    const reg = await api.request('POST', '/api/v1/agent/register', {
      body: { enrollmentToken: site.enrollmentToken, name: 'agent-nyc', version: '1.0.0' },
    });
    h.secrets.add(reg.body.apiKey);
    clock = new Date(clock.getTime() + 60_000);
    const beat = await api.request('POST', '/api/v1/agent/heartbeat', {
      key: reg.body.apiKey,
      body: {
        version: '1.0.1',
        capabilities: ['bmc.power', 'ssh.inventory'],
        bootServerUrl: 'http://10.0.0.5:8081',
        runningJobs: 0,
      },
      headers: { 'x-request-id': 'agent-heartbeat' },
    });
    expect(beat.status, beat.text).toBe(204);
    const seenAt = clock.toISOString();
    const online = await api.request('GET', `/api/v1/sites/${site.id}`, { key: org.adminKey });
    expect(online.body.agent).toEqual({
      online: true,
      lastSeenAt: seenAt,
      version: '1.0.1',
      capabilities: ['bmc.power', 'ssh.inventory'],
      bootServerUrl: 'http://10.0.0.5:8081',
    });
    expect(await auditRows('agent-heartbeat')).toEqual([
      expect.objectContaining({ action: 'agent.heartbeat', target: { type: 'site', id: site.id } }),
    ]);
    const badBeat = await api.request('POST', '/api/v1/agent/heartbeat', {
      key: reg.body.apiKey,
      body: { version: '1', capabilities: ['fly'] },
    });
    expect(badBeat.status).toBe(400);
    expect(badBeat.body.details.fields[0].field).toBe('capabilities.0');
    expect(
      (
        await api.request('POST', '/api/v1/agent/heartbeat', {
          key: org.adminKey,
          body: { version: '1', capabilities: [] },
        })
      ).status,
    ).toBe(403);

    clock = new Date(clock.getTime() + 91_000);
    const offline = await api.request('GET', `/api/v1/sites/${site.id}`, { key: org.adminKey });
    expect(offline.body.agent).toMatchObject({ online: false, lastSeenAt: seenAt });

    // Deleting the site revokes its agent's credential.
    expect((await api.request('DELETE', `/api/v1/sites/${site.id}`, { key: org.adminKey })).status).toBe(204);
    const after = await api.request('POST', '/api/v1/agent/heartbeat', {
      key: reg.body.apiKey,
      body: { version: '1.0.1', capabilities: [] },
    });
    expect(after.status).toBe(401);
  });
});
