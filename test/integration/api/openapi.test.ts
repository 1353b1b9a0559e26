import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../../api/app.js';
import { reply } from '../../../api/http/define-route.js';
import { compareRoutesWithDocument } from '../../../api/openapi/coverage.js';
import type { RouteModule } from '../../../api/routes/index.js';
import { ApiHarness, type TestApi, type TestResponse } from './harness.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A route that breaks its own declared schema, as a bug would. */
const lyingRoute: RouteModule = ({ route }) =>
  route(
    {
      method: 'get',
      path: '/test/lying',
      operationId: 'lying',
      summary: 'Returns a body that breaks its schema',
      tags: ['test'],
      auth: 'none',
      responses: { 200: { description: 'x', schema: z.strictObject({ id: z.string() }) } },
    },
    () => reply(200, { id: 42, secretHash: 'abc' } as unknown as { id: string }),
  );

type OpenApiDoc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

describe('the OpenAPI 3.1 document', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let doc: OpenApiDoc & Record<string, unknown>;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

  beforeAll(async () => {
    await h.open('api_openapi');
    api = await h.start();
    doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    ajv.addSchema({ $id: 'openapi', components: doc.components });
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  /** Fails unless the response body matches the document's schema for its operation and status. */
  function conforms(method: string, template: string, res: TestResponse): void {
    const response = doc.paths[template]?.[method.toLowerCase()]?.responses[String(res.status)];
    expect(response, `${method} ${template} ${res.status} documented`).toBeDefined();
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) return;
    const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
    const validate = ajv.compile(resolved);
    expect(validate(res.body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }

  it('is served publicly as OpenAPI 3.1 with both auth schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components).toMatchObject({
      securitySchemes: { bearerAuth: { scheme: 'bearer' }, apiKeyHeader: { name: 'X-API-Key' } },
    });
  });

  it('documents every route the router serves, and serves every documented route', () => {
    const { router } = routesOf(api.app);
    expect(router.stack.length).toBeGreaterThanOrEqual(10);
    expect(compareRoutesWithDocument(router, doc)).toEqual({ undocumented: [], unserved: [] });
  });

  it('notices a route mounted behind the registry’s back', async () => {
    const sneaky = await h.start();
    routesOf(sneaky.app).router.get('/api/v1/sneaky', (ctx) => {
      ctx.body = {};
    });
    const sneakyDoc = (await sneaky.request('GET', '/api/v1/openapi.json')).body;
    expect(compareRoutesWithDocument(routesOf(sneaky.app).router, sneakyDoc).undocumented).toEqual([
      'GET /api/v1/sneaky',
    ]);
  });

  it('has schemas that compile, unique operation ids and every path parameter declared', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item) as [
        string,
        { operationId: string; parameters: { name: string; in: string }[]; responses: Record<string, unknown> },
      ][]) {
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        const declared = op.parameters
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(declared, `${method} ${path}`).toEqual(inPath);
        expect(Object.keys(op.responses)).toContain('500');
      }
    }
    const schemas: object[] = [];
    const collect = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const [k, v] of Object.entries(node))
        if (k === 'schema') schemas.push(v as object);
        else collect(v);
    };
    collect(JSON.parse(JSON.stringify(doc.paths).replaceAll('"#/components/', '"openapi#/components/')));
    expect(schemas.length).toBeGreaterThan(40);
    for (const schema of schemas) expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('describes what every route really answers, success and errors', async () => {
    const org = await h.organization(api);
    const key = org.adminKey;
    const created = await api.request('POST', '/api/v1/api-keys', { key, body: { name: 'ci', role: 'operator' } });
    const id = created.body.id as string;
    const calls: [string, string, TestResponse][] = [
      ['GET', '/healthz', await api.request('GET', '/healthz')],
      ['GET', '/readyz', await api.request('GET', '/readyz')],
      ['GET', '/version', await api.request('GET', '/version')],
      ['GET', '/api/v1/openapi.json', await api.request('GET', '/api/v1/openapi.json')],
      ['POST', '/api/v1/api-keys', created],
      ['GET', '/api/v1/api-keys', await api.request('GET', '/api/v1/api-keys', { key })],
      ['GET', '/api/v1/api-keys/{id}', await api.request('GET', `/api/v1/api-keys/${id}`, { key })],
      ['POST', '/api/v1/api-keys/{id}/rotate', await api.request('POST', `/api/v1/api-keys/${id}/rotate`, { key })],
      ['DELETE', '/api/v1/api-keys/{id}', await api.request('DELETE', `/api/v1/api-keys/${id}`, { key })],
      ['GET', '/api/v1/audit', await api.request('GET', '/api/v1/audit', { key })],
      ['GET', '/api/v1/api-keys', await api.request('GET', '/api/v1/api-keys')],
      ['GET', '/api/v1/api-keys', await api.request('GET', '/api/v1/api-keys?perPage=0', { key })],
      ['GET', '/api/v1/api-keys/{id}', await api.request('GET', `/api/v1/api-keys/zzzzzzzzzzzz`, { key })],
      ['DELETE', '/api/v1/api-keys/{id}', await api.request('DELETE', `/api/v1/api-keys/${id}`, { key })],
      ['POST', '/api/v1/api-keys', await api.request('POST', '/api/v1/api-keys', { key, body: '{' })],
    ];
    expect(calls.map(([, , r]) => r.status)).toEqual([
      200, 200, 200, 200, 201, 200, 200, 200, 200, 200, 401, 400, 404, 409, 400,
    ]);
    for (const [method, template, res] of calls) conforms(method, template, res);
    const metrics = await api.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(doc.paths['/metrics']?.get?.responses['200']?.content).toHaveProperty(['text/plain; version=0.0.4']);
  });

  it('turns a response that breaks its schema into a 500 while responses are checked', async () => {
    const checked = await h.start({ extraModules: [lyingRoute] });
    const res = await checked.request('GET', '/test/lying', { headers: { 'x-request-id': 'req-lying' } });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('secretHash');
    const logged = h.logs.lines.find((l) => l.includes('req-lying') && l.includes('breaks its schema'));
    expect(logged).toContain('id: Invalid input: expected string, received number');
    const unchecked = await h.start({ extraModules: [lyingRoute], env: { RACKPILOT_VALIDATE_RESPONSES: 'false' } });
    expect((await unchecked.request('GET', '/test/lying')).status).toBe(200);
  });
});
