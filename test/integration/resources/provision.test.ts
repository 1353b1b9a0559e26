import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetDoc } from '../../../db/asset-repository.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { uniqueName } from '../../support/services.js';
import { documentedBody } from '../api/documented-body.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

const limits = { RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000', RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000' };

// No worker polls this queue: workflows are started and inspected, never run, so no address in
// a request is ever dialled.
describe('standalone provisioning (POST /api/v1/assets/{id}/provision)', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let siteId: string;
  const started = h.started;
  let machine = 60;
  let host = 20;

  beforeAll(async () => {
    await h.open('res_provision');
    api = await h.start({ env: { ...limits, RACKPILOT_TASK_QUEUE: uniqueName('provision') } });
    org = await h.organization(api, 'Provision');
    other = await h.organization(api, 'Elsewhere');
    siteId = await h.site(api, org.adminKey, 'ams-1');
  });
  afterAll(async () => {
    await h.finish(api);
  });

  async function available(overrides: Partial<AssetDoc> = {}): Promise<AssetDoc> {
    machine += 1;
    const inventory = sampleInventory(String(machine));
    const asset = buildAsset({
      orgId: org.orgId,
      siteId,
      state: 'available',
      inventory,
      macs: inventory.nics.map((n) => n.mac),
      ...overrides,
    });
    await api.container.repositories.assets.insert(asset);
    return asset;
  }

  const network = () => ({ ip: `127.10.0.${(host += 1)}`, subnet: '24', gateway: '127.10.0.1' });
  const provision = (assetId: string, body: unknown, key = org.adminKey, query = '') =>
    api.request('POST', `/api/v1/assets/${assetId}/provision${query}`, { key, body });
  const fields = (res: { body: { details?: { fields?: { field: string }[] } } }) =>
    (res.body.details?.fields ?? []).map((f) => f.field).sort();

  it('installs Talos as a single-node cluster of type standalone, indexed as an os-provision workflow', async () => {
    const asset = await available({ hostname: 'edge01' });
    const res = await provision(asset._id, { os: 'talos', version: 'v1.10.6', network: network() });
    expect(res.status, res.text).toBe(202);
    started.push(res.body.workflowId);
    const clusterId = res.body.clusterId as string;
    expect(res.body).toEqual({ workflowId: `cluster-create-${clusterId}`, clusterId, status: 'pending' });

    const stored = await api.container.repositories.assets.get(asset._id);
    expect(stored).toMatchObject({ state: 'reserved', clusterId });
    const cluster = await api.request('GET', `/api/v1/clusters/${clusterId}`, { key: org.adminKey });
    expect(cluster.body).toMatchObject({
      type: 'standalone',
      status: 'pending',
      talosVersion: 'v1.10.6',
      nodes: [{ assetId: asset._id, role: 'controlplane', hostname: 'edge01' }],
    });
    expect(cluster.body.name).toMatch(/^edge01-[0-9a-f]{6}$/);
    const workflow = await api.request('GET', `/api/v1/workflows/${res.body.workflowId}`, { key: org.adminKey });
    expect(workflow.body).toMatchObject({ type: 'os-provision', status: 'pending' });
    const listed = await api.request('GET', `/api/v1/workflows?type=os-provision&assetId=${asset._id}`, {
      key: org.adminKey,
    });
    expect(listed.body.workflows.map((w: { id: string }) => w.id)).toEqual([res.body.workflowId]);
    const client = await api.container.temporal();
    const described = await client.workflow.getHandle(res.body.workflowId).describe();
    expect(described.type).toBe('clusterCreate');
  });

  it("names the caller's fields when the request is wrong: a missing network, a gateway outside the subnet, a disk the machine does not have", async () => {
    const asset = await available();
    const minimal = await provision(asset._id, { os: 'talos' });
    expect(minimal.status).toBe(400);
    expect(minimal.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(minimal.body.details)).toContain('a static address is required');
    expect(fields(minimal)).toEqual(['network']);

    const ubuntu = await provision(asset._id, { os: 'ubuntu', network: network() });
    expect(ubuntu.status).toBe(400);
    expect(fields(ubuntu)).toEqual(['os']);

    const outside = await provision(asset._id, {
      os: 'talos',
      network: { ip: '127.11.0.5', subnet: 24, gateway: '127.10.0.1' },
      installDisk: { serial: 'NO-SUCH-DISK' },
    });
    expect(outside.status, outside.text).toBe(400);
    expect(fields(outside)).toEqual(['installDisk', 'network.gateway']);
    expect(JSON.stringify(outside.body.details)).toContain('has no disk with serial NO-SUCH-DISK');
    expect(outside.body.error).toMatch(/^Invalid provision request: /);
    expect((await api.container.repositories.assets.get(asset._id)).state).toBe('available');
  });

  it('answers a dry run with the plan (install disk by serial/WWN, steps) and changes nothing', async () => {
    const asset = await available({ hostname: 'edge02' });
    const net = network();
    const res = await provision(
      asset._id,
      { os: 'talos', network: net, installDisk: '/dev/nvme0n1' },
      undefined,
      '?dryRun=true',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: true,
      valid: true,
      problems: [],
      plan: {
        siteId,
        gateway: '127.10.0.1',
        talosVersion: 'v1.10.6',
        nodes: [
          { assetId: asset._id, role: 'controlplane', ip: net.ip, subnet: '24', installDisk: { path: '/dev/nvme0n1' } },
        ],
      },
    });
    expect(res.body.plan.steps).toContain('Provision nodes');
    const stored = await api.container.repositories.assets.get(asset._id);
    expect(stored.state).toBe('available');
    expect(stored.clusterId).toBeUndefined();

    const bad = await provision(
      asset._id,
      { os: 'talos', network: { ...net, ip: '127.10.0.1' } },
      undefined,
      '?dryRun=true',
    );
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.problems.map((p: { field: string }) => p.field)).toContain('network.ip');
  });

  it('starts exactly one install out of 50 concurrent requests; the others get ASSET_BUSY with the state', async () => {
    const asset = await available();
    const net = network();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => provision(asset._id, { os: 'talos', network: net })),
    );
    const accepted = answers.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    started.push(accepted[0]!.body.workflowId);
    const rest = answers.filter((r) => r.status !== 202);
    expect(rest.map((r) => r.status)).toEqual(Array(49).fill(409));
    // The state a loser reads may still be `available` while the winner's reservation is being written.
    for (const r of rest)
      expect(r.body).toMatchObject({
        code: 'ASSET_BUSY',
        details: { state: expect.stringMatching(/^(reserved|available)$/) },
      });
    const clusters = await api.container.repositories.clusters.collection.countDocuments({
      'nodes.assetId': asset._id,
    });
    expect(clusters).toBe(1);
  });

  it("refuses another organization's asset with 404, a viewer with 403, a busy asset with 409", async () => {
    const asset = await available();
    const foreign = await provision(asset._id, { os: 'talos', network: network() }, other.adminKey);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('ASSET_NOT_FOUND');
    const viewer = await h.key(api, org.adminKey, 'viewer');
    expect((await provision(asset._id, { os: 'talos', network: network() }, viewer.key)).status).toBe(403);
    const wiping = await available({ state: 'wiping' });
    const busy = await provision(wiping._id, { os: 'talos', network: network() });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'ASSET_BUSY', details: { state: 'wiping' } });
  });

  it('refuses an asset that is not available with 409 ASSET_BUSY, even when the request has other problems', async () => {
    // Enrolling: no inventory yet, so no install disk could be chosen either.
    const enrolling = await available({ state: 'enrolling', inventory: undefined, macs: [] });
    const early = await provision(enrolling._id, { os: 'talos', network: network() });
    expect(early.status, early.text).toBe(409);
    expect(early.body).toMatchObject({ code: 'ASSET_BUSY', details: { assetId: enrolling._id, state: 'enrolling' } });
    // Reserved, with a gateway outside the subnet as well.
    const reserved = await available({ state: 'reserved' });
    const both = await provision(reserved._id, {
      os: 'talos',
      network: { ip: '127.12.0.5', subnet: 24, gateway: '127.13.0.1' },
    });
    expect(both.status, both.text).toBe(409);
    expect(both.body).toMatchObject({ code: 'ASSET_BUSY', details: { state: 'reserved' } });
    // A body that breaks its schema is still a 400 first.
    const invalid = await provision(reserved._id, { os: 'ubuntu', network: network() });
    expect(invalid.status).toBe(400);
    expect(fields(invalid)).toEqual(['os']);
    for (const asset of [enrolling, reserved])
      expect((await api.container.repositories.assets.get(asset._id)).state).toBe(asset.state);
    const clusters = await api.container.repositories.clusters.collection.countDocuments({
      'nodes.assetId': { $in: [enrolling._id, reserved._id] },
    });
    expect(clusters).toBe(0);
  });

  it('takes a network.subnet of "1" to "32" or 1 to 32 and refuses "0", "33", 0 and 33 with 400, as the document says', async () => {
    const documented = await documentedBody(api, 'POST', '/api/v1/assets/{id}/provision');
    const asset = await available();
    const withSubnet = (subnet: unknown) => ({ os: 'talos', network: { ...network(), subnet } });
    for (const subnet of ['1', '24', '32', 1, 32]) {
      const body = withSubnet(subnet);
      expect({ subnet, documented: documented(body) }).toEqual({ subnet, documented: true });
      const res = await provision(asset._id, body, undefined, '?dryRun=true');
      expect({ subnet, status: res.status }, res.text).toEqual({ subnet, status: 200 });
    }
    for (const subnet of ['0', '33', '08', 0, 33]) {
      const body = withSubnet(subnet);
      expect({ subnet, documented: documented(body) }).toEqual({ subnet, documented: false });
      const res = await provision(asset._id, body, undefined, '?dryRun=true');
      expect({ subnet, status: res.status, code: res.body.code, fields: fields(res) }).toEqual({
        subnet,
        status: 400,
        code: 'VALIDATION_FAILED',
        fields: ['network.subnet'],
      });
    }
  });

  it('refuses to wipe a node of a live cluster (409 ASSET_IN_CLUSTER): a node is wiped by deleting its cluster', async () => {
    const asset = await available();
    const res = await provision(asset._id, { os: 'talos', network: network() });
    expect(res.status).toBe(202);
    started.push(res.body.workflowId);
    const wipe = await api.request('POST', `/api/v1/assets/${asset._id}/wipe`, {
      key: org.adminKey,
      body: { mode: 'quick' },
    });
    expect(wipe.status).toBe(409);
    expect(wipe.body).toMatchObject({
      code: 'ASSET_IN_CLUSTER',
      details: { assetId: asset._id, clusterId: res.body.clusterId, clusterStatus: 'pending' },
    });
    expect((await api.container.repositories.assets.get(asset._id)).state).toBe('reserved');
  });

  it('deleting a cluster still being created cancels the creation and starts a delete that waits for it', async () => {
    const asset = await available();
    const res = await provision(asset._id, { os: 'talos', network: network() });
    expect(res.status).toBe(202);
    const createId = res.body.workflowId as string;
    started.push(createId);
    const del = await api.request('DELETE', `/api/v1/clusters/${res.body.clusterId}`, { key: org.adminKey });
    expect(del.status, del.text).toBe(202);
    started.push(del.body.workflowId);
    const client = await api.container.temporal();
    const history = await client.workflow.getHandle(createId).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
    const deletion = await api.container.repositories.workflows.get(del.body.workflowId);
    expect(deletion).toMatchObject({ type: 'cluster-delete', target: { clusterId: res.body.clusterId } });
    const again = await api.request('DELETE', `/api/v1/clusters/${res.body.clusterId}`, { key: org.adminKey });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CLUSTER_BUSY');
  });
});
