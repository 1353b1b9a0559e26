import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bmcPasswordContext } from '../../../shared/secret-contexts.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { uniqueName } from '../../support/services.js';
import { documentedBody } from '../api/documented-body.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

const PASSWORD = 'calvin-Secr3t-bmc';
const limits = { RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000', RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000' };

describe('assets', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let siteId: string;
  let otherSiteId: string;
  const started = h.started;

  beforeAll(async () => {
    await h.open('res_assets');
    // No worker polls this queue: workflows are started, inspected and terminated, never run.
    api = await h.start({
      env: { ...limits, RACKPILOT_TASK_QUEUE: uniqueName('assets') },
    });
    org = await h.organization(api, 'Assets');
    other = await h.organization(api, 'Elsewhere');
    h.secrets.add(PASSWORD);
    siteId = await h.site(api, org.adminKey, 'fra-1');
    otherSiteId = await h.site(api, other.adminKey, 'fra-1');
  });
  afterAll(async () => {
    await h.finish(api);
  });

  const auditRows = async (requestId: string) =>
    (await api.request('GET', '/api/v1/audit?perPage=500', { key: org.adminKey })).body.entries.filter(
      (e: { requestId: string }) => e.requestId === requestId,
    );

  const body = (address: string, extra: Record<string, unknown> = {}) => ({
    siteId,
    bmc: { address, username: 'admin', password: PASSWORD, driver: 'ipmi' },
    ...extra,
  });

  async function available(overrides: Parameters<typeof buildAsset>[0] = {}) {
    const asset = buildAsset({ orgId: org.orgId, siteId, state: 'available', ...overrides });
    await api.container.repositories.assets.insert(asset);
    return asset;
  }

  it('enrols an asset by BMC: password sealed, state enrolling, discovery started', async () => {
    const res = await api.request('POST', '/api/v1/assets', {
      key: org.adminKey,
      body: body('10.1.0.10', { hostname: 'node-1', labels: { rack: 'r1' } }),
      headers: { 'x-request-id': 'asset-create' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.text).not.toContain(PASSWORD);
    expect(res.body).toMatchObject({
      hostname: 'node-1',
      status: 'enrolling',
      ipmi: '10.1.0.10',
      specs: null,
      siteId,
      bmc: { driver: 'ipmi', address: '10.1.0.10', port: 623, username: 'admin', cipherSuite: 17 },
      labels: { rack: 'r1' },
      inventory: null,
      clusterId: null,
      lastError: null,
      workflowId: `discovery-${res.body.id}`,
    });
    started.push(res.body.workflowId);
    const stored = await api.container.repositories.assets.get(res.body.id);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect(api.container.secretBox.open(stored.bmc.passwordSecret, bmcPasswordContext(res.body.id))).toBe(PASSWORD);

    const client = await api.container.temporal();
    const described = await client.workflow.getHandle(res.body.workflowId).describe();
    expect(described).toMatchObject({ type: 'discovery', taskQueue: api.container.config.taskQueue });
    expect(described.status.name).toBe('RUNNING');
    const indexed = await api.container.repositories.workflows.get(res.body.workflowId);
    expect(indexed).toMatchObject({
      orgId: org.orgId,
      type: 'discovery',
      status: 'pending',
      target: { assetId: res.body.id },
    });
    expect(await auditRows('asset-create')).toEqual([
      expect.objectContaining({ action: 'asset.create', target: { type: 'asset', id: res.body.id }, status: 201 }),
    ]);

    const dup = await api.request('POST', '/api/v1/assets', { key: org.adminKey, body: body('10.1.0.10') });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('ASSET_EXISTS');
  });

  it('names every invalid field, and refuses a site of another organization', async () => {
    const bad = await api.request('POST', '/api/v1/assets', {
      key: org.adminKey,
      body: { siteId: 'x', bmc: { address: 'not an address', port: 70000, username: '', driver: 'idrac' }, foo: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'bmc.address',
      'bmc.driver',
      'bmc.password',
      'bmc.port',
      'bmc.username',
      'foo',
      'siteId',
    ]);
    const foreign = await api.request('POST', '/api/v1/assets', {
      key: org.adminKey,
      body: { ...body('10.1.0.11'), siteId: otherSiteId },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('SITE_NOT_FOUND');
    const viewer = await h.key(api, org.adminKey, 'viewer');
    expect((await api.request('POST', '/api/v1/assets', { key: viewer.key, body: body('10.1.0.12') })).status).toBe(
      403,
    );
  });

  it('enrols in bulk with a result per item, creating nothing for invalid items', async () => {
    const before = await api.container.repositories.assets.collection.countDocuments({ orgId: org.orgId });
    const res = await api.request('POST', '/api/v1/assets:bulk', {
      key: org.adminKey,
      body: {
        assets: [
          body('10.2.0.1'),
          { ...body('10.2.0.2'), bmc: { address: '10.2.0.2', username: 'admin', driver: 'ipmi' } },
          body('10.2.0.3', { labels: { rack: 'r2' } }),
          { ...body('10.2.0.4'), siteId: otherSiteId },
          body('10.2.0.1'),
        ],
      },
      headers: { 'x-request-id': 'asset-bulk' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain(PASSWORD);
    expect(res.body).toMatchObject({ created: 2, failed: 3 });
    const [a, b, c, d, e] = res.body.results;
    expect(a).toMatchObject({
      index: 0,
      status: 'created',
      asset: { ipmi: '10.2.0.1', status: 'enrolling' },
      error: null,
    });
    expect(b).toMatchObject({ index: 1, status: 'invalid', asset: null, error: { code: 'VALIDATION_FAILED' } });
    expect(b.error.details.fields).toEqual([expect.objectContaining({ field: 'assets.1.bmc.password' })]);
    expect(c).toMatchObject({ index: 2, status: 'created', asset: { labels: { rack: 'r2' } } });
    expect(d).toMatchObject({ index: 3, status: 'failed', error: { code: 'SITE_NOT_FOUND' } });
    expect(e).toMatchObject({ index: 4, status: 'failed', error: { code: 'ASSET_EXISTS' } });
    started.push(a.asset.workflowId, c.asset.workflowId);
    expect(await api.container.repositories.assets.collection.countDocuments({ orgId: org.orgId })).toBe(before + 2);
    expect(await auditRows('asset-bulk')).toEqual([
      expect.objectContaining({ action: 'asset.bulk_create', status: 200 }),
    ]);

    // The colon is literal: neither a parameter nor another route.
    expect((await api.request('POST', '/api/v1/assetsXbulk', { key: org.adminKey, body: { assets: [] } })).status).toBe(
      404,
    );
    const empty = await api.request('POST', '/api/v1/assets:bulk', { key: org.adminKey, body: { assets: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.details.fields[0].field).toBe('assets');
  });

  it('enrols Redfish BMCs: detect by default, 443 for redfish, the certificate pinned as given, bad trust named', async () => {
    const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(':');
    const res = await api.request('POST', '/api/v1/assets:bulk', {
      key: org.adminKey,
      body: {
        assets: [
          { siteId, bmc: { address: '10.4.0.1', username: 'root', password: PASSWORD } },
          {
            siteId,
            bmc: {
              address: '10.4.0.2',
              username: 'root',
              password: PASSWORD,
              driver: 'redfish',
              redfish: { tls: { fingerprintSha256: fingerprint }, systemId: 'System.Embedded.1' },
            },
          },
          { siteId, bmc: { address: '10.4.0.3', username: 'root', password: PASSWORD, driver: 'ipmi', redfish: {} } },
          {
            siteId,
            bootMethod: 'virtual-media',
            bmc: { address: '10.4.0.5', username: 'root', password: PASSWORD, driver: 'ipmi' },
          },
          {
            siteId,
            bootMethod: 'virtual-media',
            bmc: { address: '10.4.0.6', username: 'root', password: PASSWORD, driver: 'redfish' },
          },
          {
            siteId,
            bmc: {
              address: '10.4.0.4',
              username: 'root',
              password: PASSWORD,
              driver: 'redfish',
              redfish: { tls: { fingerprintSha256: 'AB:CD', insecure: true } },
            },
          },
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
    const [detect, redfish, ipmi, mediaOnIpmi, media, badTrust] = res.body.results;
    expect(detect.asset.bmc).toMatchObject({ driver: 'detect', port: 623, redfish: null });
    expect(detect.asset.bootMethod).toBe('pxe');
    // Virtual media is a Redfish feature: an IPMI BMC has no virtual CD the agent can drive.
    expect(mediaOnIpmi.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['assets.3.bootMethod']);
    expect(media.asset).toMatchObject({ bootMethod: 'virtual-media', bmc: { driver: 'redfish', port: 443 } });
    expect(redfish.asset.bmc).toMatchObject({
      driver: 'redfish',
      port: 443,
      redfish: { tls: { fingerprintSha256: fingerprint.toUpperCase() }, systemId: 'System.Embedded.1' },
    });
    expect(redfish.asset.bmcHardware).toBeNull();
    expect(ipmi.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['assets.2.bmc.redfish']);
    expect(badTrust.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'assets.5.bmc.redfish.tls',
      'assets.5.bmc.redfish.tls.fingerprintSha256',
    ]);
    started.push(detect.asset.workflowId, redfish.asset.workflowId, media.asset.workflowId);
  });

  it('removes the asset again when the discovery workflow cannot be started', async () => {
    const down = await h.start({
      env: { ...limits, TEMPORAL_ADDRESS: '127.0.0.1:1', RACKPILOT_READY_TIMEOUT_MS: '300' },
    });
    const workflows = api.container.repositories.workflows.collection;
    const before = await workflows.countDocuments({});
    const res = await down.request('POST', '/api/v1/assets', { key: org.adminKey, body: body('10.3.0.1') });
    expect(res.status, res.text).toBe(503);
    expect(res.body.code).toBe('UNAVAILABLE');
    expect(await api.container.repositories.assets.collection.countDocuments({ 'bmc.address': '10.3.0.1' })).toBe(0);
    expect(await workflows.countDocuments({})).toBe(before);
  });

  it('lists in Colony shape with filters and pagination, and reads one with its inventory', async () => {
    const inventory = sampleInventory('42');
    const withInventory = await available({ inventory, labels: { rack: 'r9', role: 'db' }, hostname: 'db-1' });
    await available({ state: 'error', labels: { rack: 'r9' } });
    await available({ clusterId: 'clu_0123456789abcdef', state: 'provisioned' });
    await api.container.repositories.assets.insert(buildAsset({ orgId: other.orgId, siteId: otherSiteId }));

    const all = await api.request('GET', '/api/v1/assets?perPage=2&page=1', { key: org.adminKey });
    expect(all.status).toBe(200);
    expect(all.body.assets).toHaveLength(2);
    expect(all.body.total).toBe(
      await api.container.repositories.assets.collection.countDocuments({ orgId: org.orgId }),
    );
    for (const a of all.body.assets)
      expect(Object.keys(a)).toEqual(expect.arrayContaining(['id', 'hostname', 'status', 'ipmi', 'specs']));

    const byLabel = await api.request('GET', '/api/v1/assets?label=rack=r9,role=db', { key: org.adminKey });
    expect(byLabel.body.assets.map((a: { id: string }) => a.id)).toEqual([withInventory._id]);
    expect(byLabel.body.assets[0].specs).toEqual({
      cpu: expect.any(String),
      ram: expect.any(String),
      disk: expect.any(String),
    });
    const byStatus = await api.request('GET', `/api/v1/assets?status=error&siteId=${siteId}`, { key: org.adminKey });
    expect(byStatus.body.assets.every((a: { status: string }) => a.status === 'error')).toBe(true);
    expect(byStatus.body.total).toBeGreaterThanOrEqual(1);
    const byCluster = await api.request('GET', '/api/v1/assets?clusterId=clu_0123456789abcdef', { key: org.adminKey });
    expect(byCluster.body).toMatchObject({
      total: 1,
      assets: [{ clusterId: 'clu_0123456789abcdef', status: 'provisioned' }],
    });
    const badFilter = await api.request('GET', '/api/v1/assets?status=flying&label=x', { key: org.adminKey });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['label', 'status']);

    const one = await api.request('GET', `/api/v1/assets/${withInventory._id}`, { key: org.adminKey });
    expect(one.status).toBe(200);
    expect(one.body.inventory.disks[0]).toMatchObject({ serial: expect.anything(), wwn: expect.anything() });
    expect(one.body.inventory.nics[0].mac).toMatch(/:/);
    expect(one.text).not.toContain('passwordSecret');

    expect((await api.request('GET', '/api/v1/assets', { key: other.adminKey })).body.total).toBe(1);
  });

  it('answers 404 for every endpoint on another organization’s asset', async () => {
    const asset = await available();
    const calls = [
      ['GET', `/api/v1/assets/${asset._id}`, undefined],
      ['GET', `/api/v1/assets/${asset._id}/wipe-reports`, undefined],
      ['PATCH', `/api/v1/assets/${asset._id}`, { hostname: 'x' }],
      ['DELETE', `/api/v1/assets/${asset._id}`, undefined],
      ['POST', `/api/v1/assets/${asset._id}/wipe`, { mode: 'quick' }],
      ['POST', `/api/v1/assets/${asset._id}/maintenance`, { enabled: true }],
    ] as const;
    for (const [method, path, b] of calls) {
      const res = await api.request(method, path, { key: other.adminKey, body: b });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('ASSET_NOT_FOUND');
    }
    expect((await api.container.repositories.assets.get(asset._id)).state).toBe('available');
  });

  it("serves the last wipe's per-disk reports, and an empty list before any wipe", async () => {
    const viewer = (await h.key(api, org.adminKey, 'viewer')).key;
    const fresh = await available();
    const none = await api.request('GET', `/api/v1/assets/${fresh._id}/wipe-reports`, { key: viewer });
    expect(none.status, none.text).toBe(200);
    expect(none.body).toEqual({ assetId: fresh._id, workflowId: null, items: [] });

    const report = {
      diskId: '5000c500a1b2c3d4',
      path: '/dev/sda',
      model: 'ST4000NM',
      serial: 'ZC1234',
      wwn: '5000c500a1b2c3d4',
      sizeBytes: 4_000_787_030_016,
      method: 'quick' as const,
      technique: 'metadata' as const,
      commands: [{ command: 'wipefs --all --force /dev/sda', exitCode: 0, durationMs: 12 }],
      verification: {
        passed: true,
        signaturesFound: [],
        headBytesChecked: 1_048_576,
        headZero: true,
        tailBytesChecked: 1_048_576,
        tailZero: true,
        problems: [],
      },
      startedAt: '2026-12-07T08:00:00.000Z',
      finishedAt: '2026-12-07T08:00:01.000Z',
    };
    const wiped = await available({ workflowId: 'wipe-1' });
    await api.container.repositories.assets.update(wiped._id, { wipeReports: [report] });
    const served = await api.request('GET', `/api/v1/assets/${wiped._id}/wipe-reports`, { key: viewer });
    expect(served.status, served.text).toBe(200);
    expect(served.body).toEqual({ assetId: wiped._id, workflowId: 'wipe-1', items: [report] });
  });

  it('edits hostname and labels', async () => {
    const asset = await available({ labels: { rack: 'r1', old: 'x' }, hostname: 'h1' });
    const res = await api.request('PATCH', `/api/v1/assets/${asset._id}`, {
      key: org.adminKey,
      body: { hostname: 'h2', labels: { rack: 'r2', old: null, role: 'web' } },
      headers: { 'x-request-id': 'asset-patch' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ hostname: 'h2', labels: { rack: 'r2', role: 'web' } });
    expect(res.body.labels.old).toBeUndefined();
    expect(await auditRows('asset-patch')).toEqual([
      expect.objectContaining({ action: 'asset.update', target: { type: 'asset', id: asset._id } }),
    ]);
    const cleared = await api.request('PATCH', `/api/v1/assets/${asset._id}`, {
      key: org.adminKey,
      body: { hostname: null },
    });
    expect(cleared.body.hostname).toBeNull();
    const bad = await api.request('PATCH', `/api/v1/assets/${asset._id}`, {
      key: org.adminKey,
      body: { hostname: 'no spaces', status: 'available' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['hostname', 'status']);
  });

  it('takes host names in any case and refuses a PATCH with nothing to change, as the document says', async () => {
    const documented = await documentedBody(api, 'PATCH', '/api/v1/assets/{id}');
    const asset = await available({ hostname: 'h1' });
    const patch = (body: unknown) => api.request('PATCH', `/api/v1/assets/${asset._id}`, { key: org.adminKey, body });
    for (const hostname of ['AAA', 'Node-1.Example.COM', 'n1']) {
      expect({ hostname, documented: documented({ hostname }) }).toEqual({ hostname, documented: true });
      const res = await patch({ hostname });
      expect(res.status, res.text).toBe(200);
      expect(res.body.hostname).toBe(hostname);
    }
    for (const hostname of ['-a', 'a-', 'a..b', 'a_b', 'É']) {
      expect({ hostname, documented: documented({ hostname }) }).toEqual({ hostname, documented: false });
      expect((await patch({ hostname })).status).toBe(400);
    }
    expect(documented({})).toBe(false);
    const empty = await patch({});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ message: 'nothing to change' }] },
    });
    // The BMC address takes the same host names.
    const enrol = await documentedBody(api, 'POST', '/api/v1/assets');
    expect(enrol(body('BMC-7.Example.COM'))).toBe(true);
    const res = await api.request('POST', '/api/v1/assets', { key: org.adminKey, body: body('BMC-7.Example.COM') });
    expect(res.status, res.text).toBe(201);
    started.push(res.body.workflowId);
  });

  it('deletes only available or error assets', async () => {
    const busy = await available({ state: 'provisioning' });
    const refused = await api.request('DELETE', `/api/v1/assets/${busy._id}`, { key: org.adminKey });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ASSET_BUSY', details: { state: 'provisioning' } });
    for (const state of ['available', 'error'] as const) {
      const asset = await available({ state });
      const res = await api.request('DELETE', `/api/v1/assets/${asset._id}`, {
        key: org.adminKey,
        headers: { 'x-request-id': `asset-delete-${state}` },
      });
      expect(res.status).toBe(204);
      expect(await auditRows(`asset-delete-${state}`)).toEqual([expect.objectContaining({ action: 'asset.delete' })]);
      expect((await api.request('GET', `/api/v1/assets/${asset._id}`, { key: org.adminKey })).status).toBe(404);
    }
  });

  it('starts exactly one wipe out of 50 concurrent requests; the others get ASSET_BUSY with the state', async () => {
    const asset = await available();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.request('POST', `/api/v1/assets/${asset._id}/wipe`, { key: org.adminKey, body: { mode: 'quick' } }),
      ),
    );
    const accepted = answers.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const busy = answers.filter((r) => r.status === 409);
    expect(busy).toHaveLength(49);
    for (const r of busy) expect(r.body).toMatchObject({ code: 'ASSET_BUSY', details: { state: expect.any(String) } });
    const workflowId = accepted[0]!.body.workflowId as string;
    started.push(workflowId);
    expect(accepted[0]!.body).toEqual({ workflowId });
    const stored = await api.container.repositories.assets.get(asset._id);
    expect(stored).toMatchObject({ state: 'wiping', workflowId });
    const client = await api.container.temporal();
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.type).toBe('wipe');
    expect(await api.container.repositories.workflows.get(workflowId)).toMatchObject({
      type: 'disk-wipe',
      target: { assetId: asset._id },
    });
    const again = await api.request('POST', `/api/v1/assets/${asset._id}/wipe`, {
      key: org.adminKey,
      body: { mode: 'secure' },
    });
    expect(again.body).toMatchObject({ code: 'ASSET_BUSY', details: { state: 'wiping' } });
    const badMode = await api.request('POST', `/api/v1/assets/${asset._id}/wipe`, {
      key: org.adminKey,
      body: { mode: 'shred' },
    });
    expect(badMode.status).toBe(400);
    expect(badMode.body.details.fields[0].field).toBe('mode');
  });

  it('puts an asset into maintenance and takes it out', async () => {
    const asset = await available();
    const on = await api.request('POST', `/api/v1/assets/${asset._id}/maintenance`, {
      key: org.adminKey,
      body: { enabled: true },
      headers: { 'x-request-id': 'asset-maint' },
    });
    expect(on.status, on.text).toBe(200);
    expect(on.body.status).toBe('maintenance');
    expect(await auditRows('asset-maint')).toEqual([expect.objectContaining({ action: 'asset.maintenance' })]);
    const wipe = await api.request('POST', `/api/v1/assets/${asset._id}/wipe`, {
      key: org.adminKey,
      body: { mode: 'quick' },
    });
    expect(wipe.body).toMatchObject({ code: 'ASSET_BUSY', details: { state: 'maintenance' } });
    const off = await api.request('POST', `/api/v1/assets/${asset._id}/maintenance`, {
      key: org.adminKey,
      body: { enabled: false },
    });
    expect(off.body.status).toBe('available');
    const wiping = await available({ state: 'wiping' });
    const refused = await api.request('POST', `/api/v1/assets/${wiping._id}/maintenance`, {
      key: org.adminKey,
      body: { enabled: true },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details.state).toBe('wiping');
  });
});
