import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../../api/app.js';
import { compareRoutesWithDocument } from '../../../api/openapi/coverage.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

/** The only operations anyone may call without a key, each for a reason. */
const PUBLIC = [
  'GET /healthz', // liveness
  'GET /readyz', // readiness
  'GET /version',
  'GET /metrics', // Prometheus scrape (loopback or a private network in deployments)
  'GET /api/v1/openapi.json',
  'POST /api/v1/agent/register', // the one-time enrollment token is the credential
];

// OWASP API9:2023 Improper Inventory Management. Every served route is documented and every
// documented route served: openapi.test.ts "documents every route the router serves, and serves
// every documented route" and "notices a route mounted behind the registry’s back". Here: the
// unauthenticated surface and the versions served.
describe('OWASP API9 inventory', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let doc: { paths: Record<string, Record<string, { security?: unknown[] }>> };

  beforeAll(async () => {
    await h.open('owasp_inventory');
    api = await h.start();
    doc = (await api.request('GET', '/api/v1/openapi.json')).body;
  });
  afterAll(() => h.finish(api));

  it('serves exactly what the document lists', () => {
    expect(compareRoutesWithDocument(routesOf(api.app).router, doc)).toEqual({ undocumented: [], unserved: [] });
  });

  it('serves one API version, and documents every operation without a key as public on purpose', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );
    const apiPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/'));
    expect(apiPaths.filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);
    const open = operations.filter(({ op }) => (op.security ?? []).length === 0).map(({ name }) => name);
    expect(open.sort()).toEqual([...PUBLIC].sort());
    for (const name of open.filter((n) => n.startsWith('GET '))) {
      const res = await api.request('GET', name.slice(4));
      expect(res.status, name).toBeLessThan(500);
    }
    for (const path of ['/api/v2/assets', '/api/v0/assets', '/api/assets', '/api/v1/internal', '/debug', '/admin'])
      expect((await api.request('GET', path)).status, path).toBe(404);
  });
});
