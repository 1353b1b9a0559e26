import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from '../api/harness.js';
import {
  ID_KINDS,
  MALFORMED_IDS,
  WALK_ENV,
  buildOrgWorld,
  callWithId,
  expectNotFound,
  idOperations,
  keyFor,
  kindOf,
  type DocOperation,
  type OrgWorld,
} from './id-routes.js';

// Colony: an id that names nothing answers 404 with the resource's code, whatever its shape
// (`GET /api/v1/assets/asset-123` → 404 ASSET_NOT_FOUND). Walks every `{id}` route of the served
// document, so a new route is covered without touching this file.
describe('Colony conformance: unknown ids', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: OrgWorld;
  let ops: DocOperation[];
  let doc: { paths: Record<string, Record<string, { parameters: { name: string; in: string; schema: object }[] }>> };

  beforeAll(async () => {
    await h.open('conf_ids');
    api = await h.start({ env: WALK_ENV });
    org = await buildOrgWorld(h, api, 'Colony');
    doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    ops = idOperations(doc as never).filter((op) => op.path.includes('{id}'));
  });
  afterAll(() => h.finish(api));

  it('finds every id route of the document, each naming a known resource', () => {
    expect(ops.length).toBeGreaterThanOrEqual(25);
    const unknownKinds = ops.filter((op) => !ID_KINDS[kindOf(op.path)]).map((op) => `${op.method} ${op.path}`);
    expect(unknownKinds, 'add the collection to ID_KINDS').toEqual([]);
    const otherParams = Object.keys(doc.paths).filter((p) => p.includes('{') && !p.includes('{id}'));
    expect(otherParams, 'only {id} path parameters exist; extend the walk for others').toEqual([]);
  });

  it('answers GET /api/v1/assets/asset-123 as Colony documents it', async () => {
    const res = await api.request('GET', '/api/v1/assets/asset-123', { key: org.adminKey });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: 'Asset asset-123 not found',
      code: 'ASSET_NOT_FOUND',
      details: { assetId: 'asset-123' },
    });
  });

  it('answers a malformed id on every id route with 404 and the resource’s code', async () => {
    for (const op of ops)
      for (const id of MALFORMED_IDS) {
        const res = await callWithId(api, op, id, keyFor(op, org));
        expectNotFound(res, ID_KINDS[kindOf(op.path)]!.code, `${op.method} ${op.path} ${id.slice(0, 12)}`);
      }
  });

  it('answers a well-formed id that names nothing on every id route the same way', async () => {
    for (const op of ops) {
      const res = await callWithId(api, op, ID_KINDS[kindOf(op.path)]!.unknown(), keyFor(op, org));
      expectNotFound(res, ID_KINDS[kindOf(op.path)]!.code, `${op.method} ${op.path}`);
    }
  });

  it('documents the 404 and the id’s shape on every id route', () => {
    for (const op of ops) {
      const operation = doc.paths[op.path]![op.method.toLowerCase()] as unknown as {
        parameters: { name: string; in: string; description?: string; schema: { pattern?: string } }[];
        responses: Record<string, { description: string }>;
      };
      const code = ID_KINDS[kindOf(op.path)]!.code;
      expect(operation.responses['404']?.description, `${op.method} ${op.path}`).toContain(code);
      const id = operation.parameters.find((p) => p.in === 'path' && p.name === 'id');
      expect(id?.description, `${op.method} ${op.path}`).toContain(`404 ${code}`);
      expect(id?.schema.pattern, `${op.method} ${op.path}`).toMatch(/^\^.*\$$/);
    }
  });
});
