import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bmcPasswordContext } from '../../../shared/secret-contexts.js';
import { ApiHarness, type TestApi } from '../api/harness.js';
import { WALK_ENV, buildOrgWorld, idOperations, kindOf, type OrgWorld } from '../conformance/id-routes.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
type Json = any;

/** Stored field names that never leave the process (presenters decide; STYLE.md §9). */
const STORED_SECRET_FIELDS = ['passwordSecret', 'secretHash', 'credentialsSecret', 'kubeconfigSecret', 'taskToken'];
/** Routes whose very purpose is to hand a secret to its one reader. */
const SECRET_ROUTES = new Set([
  'getClusterKubeconfig',
  'getAgentBmcCredentials',
  'getAgentTalosconfig',
  'getAgentKubeconfig',
  'getAgentMachineConfig',
]);

// OWASP API3:2023 Broken Object Property Level Authorization: excessive data exposure and mass
// assignment. Presenters' schemas are strict (a leaked field fails in dev/tests: openapi.test.ts
// "turns a response that breaks its schema into a 500"); a key's hash: api-keys.test.ts "shows a
// new key once, then only masked, and never the hash"; webhook secrets: webhooks.test.ts
// "registers a webhook, returns a generated secret once and never again".
describe('OWASP API3 property-level authorization', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: OrgWorld;
  let sealedPassword: string;
  const PASSWORD = 'owasp-bmc-Passw0rd';

  beforeAll(async () => {
    await h.open('owasp_props');
    api = await h.start({ env: WALK_ENV });
    org = await buildOrgWorld(h, api, 'Props');
    h.secrets.add(PASSWORD);
    const assetId = org.ids.assets!;
    sealedPassword = api.container.secretBox.seal(PASSWORD, bmcPasswordContext(assetId));
    await api.container.db
      .collection<{ _id: string }>('assets')
      .updateOne({ _id: assetId }, { $set: { 'bmc.passwordSecret': sealedPassword } });
  });
  afterAll(() => h.finish(api));

  it('never answers a stored secret, hash or sealed value on any readable route', async () => {
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    const reads = idOperations(doc).filter((op) => op.method === 'GET' && !SECRET_ROUTES.has(op.operationId));
    const paths = [
      ...reads.map((op) => op.path.replace('{id}', org.ids[kindOf(op.path)]!)),
      ...Object.keys(doc.paths).filter((p: string) => !p.includes('{') && doc.paths[p].get && p !== '/api/v1/events'),
    ];
    expect(paths.length).toBeGreaterThan(15);
    for (const path of paths) {
      const res = await api.request('GET', path, {
        key: path.startsWith('/api/v1/agent/') ? org.agentKey : org.adminKey,
      });
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
      for (const field of STORED_SECRET_FIELDS) expect(res.text, `${path} has ${field}`).not.toContain(field);
      expect(res.text, `${path} has the BMC password`).not.toContain(PASSWORD);
      expect(res.text, `${path} has a sealed value`).not.toContain(sealedPassword.slice(0, 24));
      expect(res.text, `${path} has a full key`).not.toMatch(/rp_[0-9a-z]{12}_[0-9A-Za-z]{40}/);
    }
  });

  it('refuses unknown and server-owned fields in every body (no mass assignment)', async () => {
    const attempts: [string, string, Record<string, unknown>, string][] = [
      ['PATCH', `/api/v1/assets/${org.ids.assets}`, { hostname: 'h', state: 'available' }, 'state'],
      ['PATCH', `/api/v1/assets/${org.ids.assets}`, { hostname: 'h', orgId: 'org_x' }, 'orgId'],
      ['PATCH', `/api/v1/sites/${org.ids.sites}`, { description: 'd', orgId: 'org_x' }, 'orgId'],
      ['PATCH', `/api/v1/webhooks/${org.ids.webhooks}`, { enabled: false, secretSealed: 'x' }, 'secretSealed'],
      ['POST', '/api/v1/api-keys', { name: 'n', role: 'viewer', orgId: 'org_x' }, 'orgId'],
      ['POST', '/api/v1/api-keys', { name: 'n', role: 'viewer', secretHash: 'x' }, 'secretHash'],
      ['POST', '/api/v1/sites', { name: 'mass-1', id: 'site_0000000000000000' }, 'id'],
      ['POST', `/api/v1/assets/${org.ids.assets}/maintenance`, { enabled: true, state: 'available' }, 'state'],
    ];
    for (const [method, path, body, field] of attempts) {
      const res = await api.request(method, path, { key: org.adminKey, body });
      expect(res.status, `${method} ${path} ${field}: ${res.text}`).toBe(400);
      expect(res.body.details.fields).toContainEqual({ in: 'body', field, message: 'Unknown field' });
    }
    const asset = await api.request('GET', `/api/v1/assets/${org.ids.assets}`, { key: org.adminKey });
    expect(asset.body.status).toBe('available');
  });

  it('declares every request body of a user route strict in the document', async () => {
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    const loose: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>))
      for (const [method, op] of Object.entries(item)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        // Agent protocol bodies (shared/agent-protocol.ts) are parsed by z.object, which drops unknown keys.
        if (!schema || path.startsWith('/api/v1/agent/')) continue;
        const objects = schema.type === 'object' ? [schema] : (schema.anyOf ?? schema.oneOf ?? schema.allOf ?? []);
        if (
          objects.length === 0 ||
          objects.some((s: { additionalProperties?: unknown }) => s.additionalProperties !== false)
        )
          loose.push(`${method.toUpperCase()} ${path}`);
      }
    expect(loose).toEqual([]);
  });
});
