import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from '../api/harness.js';
import {
  ID_KINDS,
  WALK_ENV,
  buildOrgWorld,
  callWithId,
  expectNotFound,
  idOperations,
  keyFor,
  kindOf,
  type DocOperation,
  type OrgWorld,
} from '../conformance/id-routes.js';

// OWASP API1:2023 Broken Object Level Authorization. Organization A's keys aim at organization
// B's real resources on every `{id}` route of the served document (agent routes: A's agent, whose
// site is not B's). Every answer is the same 404 an id that names nothing gets, and B's
// resources are untouched afterwards.
describe('OWASP API1 BOLA: another organization’s objects', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let a: OrgWorld;
  let b: OrgWorld;
  let ops: DocOperation[];

  beforeAll(async () => {
    await h.open('owasp_bola');
    api = await h.start({ env: WALK_ENV });
    a = await buildOrgWorld(h, api, 'Alpha');
    b = await buildOrgWorld(h, api, 'Bravo');
    ops = idOperations((await api.request('GET', '/api/v1/openapi.json')).body).filter((op) =>
      op.path.includes('{id}'),
    );
  });
  afterAll(() => h.finish(api));

  it('answers 404 with the resource’s code on every id route for another organization’s id', async () => {
    expect(ops.length).toBeGreaterThanOrEqual(25);
    for (const op of ops) {
      const kind = kindOf(op.path);
      const res = await callWithId(api, op, b.ids[kind]!, keyFor(op, a));
      expectNotFound(res, ID_KINDS[kind]!.code, `${op.method} ${op.path} as Alpha`);
    }
  });

  it('leaves the other organization’s resources as they were', async () => {
    const reads: [string, string][] = [
      ['/api/v1/assets/', b.ids.assets!],
      ['/api/v1/clusters/', b.ids.clusters!],
      ['/api/v1/sites/', b.ids.sites!],
      ['/api/v1/webhooks/', b.ids.webhooks!],
      ['/api/v1/workflows/', b.ids.workflows!],
      ['/api/v1/api-keys/', b.ids['api-keys']!],
    ];
    for (const [path, id] of reads) {
      const res = await api.request('GET', `${path}${id}`, { key: b.adminKey });
      expect(res.status, `${path}${id}: ${res.text}`).toBe(200);
    }
    const asset = await api.request('GET', `/api/v1/assets/${b.ids.assets}`, { key: b.adminKey });
    expect(asset.body).toMatchObject({ status: 'available', hostname: null });
    expect((await api.request('GET', '/api/v1/api-keys/' + b.ids['api-keys'], { key: b.adminKey })).body.status).toBe(
      'active',
    );
    expect((await api.request('GET', '/api/v1/me', { key: b.viewerKey })).status).toBe(200);
  });

  it('lists only the caller’s own objects on every list route', async () => {
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-rackpilot-roles'?: string[] }>>;
    };
    const lists = Object.entries(doc.paths).filter(
      ([path, item]) => !path.includes('{') && item.get?.['x-rackpilot-roles']?.includes('viewer'),
    );
    const foreign = Object.values(b.ids);
    for (const [path] of lists) {
      if (path === '/api/v1/events') continue; // a stream: its scoping is events.test.ts's
      const res = await api.request('GET', path, { key: a.adminKey });
      expect(res.status, path).toBe(200);
      for (const id of foreign) expect(res.text, `${path} shows ${id}`).not.toContain(id);
      expect(res.text, path).not.toContain(b.orgId);
    }
  });
});
