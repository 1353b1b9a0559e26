import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from '../api/harness.js';
import { WALK_ENV, buildOrgWorld, callWithId, idOperations, kindOf, type OrgWorld } from '../conformance/id-routes.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
type Json = any;

const ROLES = ['admin', 'operator', 'viewer', 'agent'] as const;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Op {
  method: string;
  path: string;
  operationId: string;
  roles: string[];
  hasBody: boolean;
}

// OWASP API5:2023 Broken Function Level Authorization, from the roles each operation declares in
// the served document (`x-rackpilot-roles`, the same list `requireRole` enforces): every role not
// declared is refused with 403 on every route, and the declarations themselves follow the rules.
describe('OWASP API5 BFLA: roles on every route', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: OrgWorld;
  let ops: Op[];

  beforeAll(async () => {
    await h.open('owasp_bfla');
    api = await h.start({ env: WALK_ENV });
    org = await buildOrgWorld(h, api, 'Roles');
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    ops = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op['x-rackpilot-roles'])
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          operationId: op.operationId,
          roles: op['x-rackpilot-roles'],
          hasBody: op.requestBody !== undefined,
        })),
    );
    expect(idOperations(doc).length).toBeGreaterThan(0);
  });
  afterAll(() => h.finish(api));

  const keyOf = (role: (typeof ROLES)[number]) =>
    ({ admin: org.adminKey, operator: org.operatorKey, viewer: org.viewerKey, agent: org.agentKey })[role];

  it('declares sound roles: viewers never mutate, agents only on agent routes, agent routes only for agents', () => {
    expect(ops.length).toBeGreaterThanOrEqual(45);
    for (const op of ops) {
      const where = `${op.method} ${op.path}`;
      if (MUTATING.has(op.method)) expect(op.roles, where).not.toContain('viewer');
      if (op.path.startsWith('/api/v1/agent/')) expect(op.roles, where).toEqual(['agent']);
      else expect(op.roles, where).not.toContain('agent');
    }
    const adminOnly = ops.filter((op) => op.roles.length === 1 && op.roles[0] === 'admin').map((op) => op.operationId);
    expect(adminOnly).toEqual(
      expect.arrayContaining([
        'createApiKey',
        'revokeApiKey',
        'rotateApiKey',
        'createSite',
        'deleteSite',
        'createWebhook',
        'listAuditEntries',
      ]),
    );
  });

  it('refuses every role an operation does not declare with 403, before reading its input', async () => {
    let refused = 0;
    for (const op of ops)
      for (const role of ROLES) {
        if (op.roles.includes(role)) continue;
        const id = op.path.includes('{id}') ? org.ids[kindOf(op.path)]! : '';
        const res = await callWithId(api, { ...op, hasBody: false }, id, keyOf(role));
        expect({ op: `${role} ${op.method} ${op.path}`, status: res.status, code: res.body?.code }).toEqual({
          op: `${role} ${op.method} ${op.path}`,
          status: 403,
          code: 'FORBIDDEN',
        });
        refused += 1;
      }
    expect(refused).toBeGreaterThan(80);
    // Nothing changed: the admin still sees the asset as it was.
    const asset = await api.request('GET', `/api/v1/assets/${org.ids.assets}`, { key: org.adminKey });
    expect(asset.body.status).toBe('available');
  });
});
