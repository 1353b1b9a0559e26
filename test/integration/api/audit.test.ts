import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../../api/app.js';
import { openApiPath } from '../../../api/openapi/route-doc.js';
import { ApiHarness, type TestApi } from './harness.js';

describe('the audit log', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('api_audit');
    api = await h.start();
    org = await h.organization(api);
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  const entriesFor = async (requestId: string) =>
    (await api.request('GET', `/api/v1/audit?perPage=500`, { key: org.adminKey })).body.entries.filter(
      (e: { requestId: string }) => e.requestId === requestId,
    );

  it('records who did what to which key, with the result, for each key mutation', async () => {
    const create = await api.request('POST', '/api/v1/api-keys', {
      key: org.adminKey,
      body: { name: 'ci', role: 'viewer' },
      headers: { 'x-request-id': 'r-create' },
    });
    const id = create.body.id;
    await api.request('POST', `/api/v1/api-keys/${id}/rotate`, {
      key: org.adminKey,
      headers: { 'x-request-id': 'r-rotate' },
    });
    await api.request('DELETE', `/api/v1/api-keys/${id}`, {
      key: org.adminKey,
      headers: { 'x-request-id': 'r-revoke' },
    });
    await api.request('DELETE', `/api/v1/api-keys/${id}`, {
      key: org.adminKey,
      headers: { 'x-request-id': 'r-revoke-again' },
    });
    const base = { keyId: org.adminKeyId, role: 'admin', target: { type: 'api_key', id } };
    expect(await entriesFor('r-create')).toEqual([
      expect.objectContaining({
        ...base,
        action: 'api_key.create',
        result: 'success',
        status: 201,
        method: 'POST',
        path: '/api/v1/api-keys',
      }),
    ]);
    expect(await entriesFor('r-rotate')).toEqual([
      expect.objectContaining({ ...base, action: 'api_key.rotate', result: 'success', status: 200 }),
    ]);
    expect(await entriesFor('r-revoke')).toEqual([
      expect.objectContaining({ ...base, action: 'api_key.revoke', result: 'success' }),
    ]);
    expect(await entriesFor('r-revoke-again')).toEqual([
      expect.objectContaining({ ...base, action: 'api_key.revoke', result: 'failure', status: 409 }),
    ]);
  });

  it('records denied and invalid attempts too', async () => {
    const viewer = await h.key(api, org.adminKey, 'viewer');
    await api.request('POST', '/api/v1/api-keys', {
      key: viewer.key,
      body: { name: 'x', role: 'admin' },
      headers: { 'x-request-id': 'r-denied' },
    });
    await api.request('POST', '/api/v1/api-keys', {
      key: org.adminKey,
      body: { role: 'nope' },
      headers: { 'x-request-id': 'r-invalid' },
    });
    expect(await entriesFor('r-denied')).toEqual([
      expect.objectContaining({ keyId: viewer.id, role: 'viewer', result: 'denied', status: 403 }),
    ]);
    expect(await entriesFor('r-invalid')).toEqual([
      expect.objectContaining({
        result: 'failure',
        status: 400,
        action: 'api_key.create',
        target: { type: 'api_key', id: null },
      }),
    ]);
  });

  it('has a row for a request to every mutating route the router serves', async () => {
    const mutating = routesOf(api.app).router.stack.flatMap((layer) =>
      layer.methods
        .filter((m) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m))
        .map((m) => [m, String(layer.path)] as const),
    );
    expect(mutating.length).toBeGreaterThanOrEqual(3);
    // Public routes (`security: []`, e.g. agent registration) have no caller to attribute a row to.
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    const isPublic = (method: string, template: string) =>
      doc.paths[openApiPath(template)]?.[method.toLowerCase()]?.security?.length === 0;
    for (const [method, template] of mutating) {
      if (isPublic(method, template)) continue;
      const requestId = `r-every-${method}-${template.replace(/\W+/g, '-')}`;
      const path = template.replace(/(?<!\\):\w+/g, 'zzzzzzzzzzzz').replace(/\\:/g, ':');
      const res = await api.request(method, path, {
        key: org.adminKey,
        body: {},
        headers: { 'x-request-id': requestId },
      });
      const rows = await entriesFor(requestId);
      expect(rows, `${method} ${template} → ${res.status}`).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: res.status, method, path });
    }
  });

  it("records the agent's job protocol only when it is refused: no row per claim, a row for a stale completion", async () => {
    const site = await api.request('POST', '/api/v1/sites', { key: org.adminKey, body: { name: 'audit-agent' } });
    h.secrets.add(site.body.enrollmentToken);
    const reg = await api.request('POST', '/api/v1/agent/register', {
      body: { enrollmentToken: site.body.enrollmentToken, name: 'audit-agent', version: '1.0.0' },
    });
    expect(reg.status, reg.text).toBe(201);
    h.secrets.add(reg.body.apiKey);
    const claim = await api.request('POST', '/api/v1/agent/jobs/claim', {
      key: reg.body.apiKey,
      body: { waitSeconds: 0 },
      headers: { 'x-request-id': 'r-agent-claim' },
    });
    expect(claim.status).toBe(204);
    expect(await entriesFor('r-agent-claim')).toEqual([]);
    const stale = await api.request('POST', '/api/v1/agent/jobs/job_0000000000000000/complete', {
      key: reg.body.apiKey,
      body: { claimToken: 'f'.repeat(32), result: {} },
      headers: { 'x-request-id': 'r-agent-stale' },
    });
    expect(stale.status).toBeGreaterThanOrEqual(400);
    expect(await entriesFor('r-agent-stale')).toEqual([
      expect.objectContaining({ action: 'agent_job.complete', result: 'failure', status: stale.status }),
    ]);
  });

  it('records nothing for reads', async () => {
    await api.request('GET', '/api/v1/api-keys', { key: org.adminKey, headers: { 'x-request-id': 'r-read' } });
    expect(await entriesFor('r-read')).toEqual([]);
  });

  it('is for admins only, newest first, filtered and paged, and scoped to the organization', async () => {
    const operator = await h.key(api, org.adminKey, 'operator');
    expect((await api.request('GET', '/api/v1/audit', { key: operator.key })).status).toBe(403);
    const revokes = await api.request('GET', '/api/v1/audit?action=api_key.revoke&perPage=1', { key: org.adminKey });
    expect(revokes.body).toMatchObject({ page: 1, perPage: 1, total: 3 });
    expect(revokes.body.entries[0].requestId).toBe('r-every-DELETE--api-v1-api-keys-id');
    const second = await api.request('GET', '/api/v1/audit?action=api_key.revoke&perPage=1&page=2', {
      key: org.adminKey,
    });
    expect(second.body.entries[0].requestId).toBe('r-revoke-again');
    const failures = await api.request('GET', '/api/v1/audit?result=denied', { key: org.adminKey });
    expect(failures.body.entries.every((e: { result: string }) => e.result === 'denied')).toBe(true);
    const other = await h.organization(api, 'Elsewhere');
    expect((await api.request('GET', '/api/v1/audit', { key: other.adminKey })).body.total).toBe(0);
    expect(
      (await api.request('GET', '/api/v1/audit?since=yesterday', { key: org.adminKey })).body.details.fields[0].field,
    ).toBe('since');
  });
});
