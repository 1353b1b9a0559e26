import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetDoc } from '../../../db/asset-repository.js';
import { ConflictError } from '../../../shared/errors.js';
import { clusterSecretContext } from '../../../shared/secret-contexts.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { uniqueName } from '../../support/services.js';
import { documentedBody } from '../api/documented-body.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

const limits = { RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000', RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000' };
const GITLAB_TOKEN = 'glpat-xxx-cluster-test-secret';
const CIVO_TOKEN = 'api-token-cluster-test-secret';

describe('clusters', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let siteId: string;
  let site2Id: string;
  let otherSiteId: string;
  const started = h.started;
  let mac = 10;

  beforeAll(async () => {
    await h.open('res_clusters');
    // No worker polls this queue: workflows are started, inspected and terminated, never run.
    api = await h.start({ env: { ...limits, RACKPILOT_TASK_QUEUE: uniqueName('clusters') } });
    org = await h.organization(api, 'Clusters');
    other = await h.organization(api, 'Elsewhere');
    h.secrets.add(GITLAB_TOKEN);
    h.secrets.add(CIVO_TOKEN);
    const mkSite = (key: string, name: string) => h.site(api, key, name);
    siteId = await mkSite(org.adminKey, 'fra-1');
    site2Id = await mkSite(org.adminKey, 'fra-2');
    otherSiteId = await mkSite(other.adminKey, 'fra-1');
  });
  afterAll(async () => {
    await h.finish(api);
  });

  async function available(overrides: Partial<AssetDoc> = {}): Promise<AssetDoc> {
    mac += 1;
    const asset = buildAsset({
      orgId: org.orgId,
      siteId,
      state: 'available',
      inventory: sampleInventory(String(mac)),
      macs: [`52:54:00:aa:00:${mac}`],
      ...overrides,
    });
    await api.container.repositories.assets.insert(asset);
    return asset;
  }

  /** Colony's example body, field for field, with real asset ids. */
  const colonyBody = (cp: string, worker: string, extra: Record<string, unknown> = {}, host = [101, 201]) => ({
    name: uniqueName('production-cluster')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-'),
    type: 'civo_stack',
    flavor: 'talos',
    gateway: '192.168.1.1',
    controlPlanes: [{ assetId: cp, ip: `192.168.1.${host[0]}`, subnet: '24' }],
    workers: [{ assetId: worker, ip: `192.168.1.${host[1]}`, subnet: '24' }],
    credentials: {
      gitlabToken: GITLAB_TOKEN,
      imagePullSecret: 'base64-encoded-secret',
      civoApiToken: CIVO_TOKEN,
      region: 'PHX1',
    },
    ...extra,
  });

  const create = (body: unknown, key = org.adminKey, query = '') =>
    api.request('POST', `/api/v1/clusters${query}`, { key, body });

  const fields = (res: { body: { details?: { fields?: { field: string }[] } } }) =>
    (res.body.details?.fields ?? []).map((f) => f.field).sort();

  let readyCluster: { id: string; cp: AssetDoc; worker: AssetDoc };

  it("creates a cluster from Colony's example body: assets reserved, pending, clusterCreate started, credentials sealed", async () => {
    const cp = await available({ hostname: 'server01' });
    const worker = await available();
    const res = await create(colonyBody(cp._id, worker._id));
    expect(res.status, res.text).toBe(202);
    started.push(res.body.workflowId);
    expect(res.text).not.toContain(GITLAB_TOKEN);
    expect(res.text).not.toContain(CIVO_TOKEN);
    expect(res.text).not.toContain('credentials');
    const id = res.body.id as string;
    expect(res.body).toMatchObject({
      status: 'pending',
      workflowId: `cluster-create-${id}`,
      type: 'civo_stack',
      flavor: 'talos',
      siteId,
      gateway: '192.168.1.1',
      kubernetesVersion: '1.33.3',
      talosVersion: 'v1.10.6',
      kubeconfigAvailable: false,
      nodes: [
        {
          assetId: cp._id,
          role: 'controlplane',
          hostname: 'server01',
          ip: '192.168.1.101',
          subnet: '24',
          installDisk: { serial: cp.inventory!.disks[0]!.serial, wwn: cp.inventory!.disks[0]!.wwn, path: null },
          mac: cp.inventory!.nics[0]!.mac,
          assetStatus: 'reserved',
        },
        { assetId: worker._id, role: 'worker', ip: '192.168.1.201', assetStatus: 'reserved' },
      ],
    });
    expect(res.body.nodes[1].hostname).toMatch(/-worker-1$/);

    for (const asset of [cp, worker]) {
      expect(await api.container.repositories.assets.get(asset._id)).toMatchObject({
        state: 'reserved',
        clusterId: id,
      });
    }
    const stored = await api.container.repositories.clusters.get(id);
    expect(JSON.stringify(stored)).not.toContain(GITLAB_TOKEN);
    expect(
      JSON.parse(api.container.secretBox.open(stored.credentialsSecret!, clusterSecretContext(id, 'credentials'))),
    ).toMatchObject({ gitlabToken: GITLAB_TOKEN, civoApiToken: CIVO_TOKEN, region: 'PHX1' });

    expect(await api.container.repositories.workflows.get(`cluster-create-${id}`)).toMatchObject({
      orgId: org.orgId,
      type: 'cluster-provision',
      status: 'pending',
      target: { clusterId: id },
    });
    const client = await api.container.temporal();
    const described = await client.workflow.getHandle(`cluster-create-${id}`).describe();
    expect(described).toMatchObject({ type: 'clusterCreate', taskQueue: api.container.config.taskQueue });

    const got = await api.request('GET', `/api/v1/clusters/${id}`, { key: org.adminKey });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, status: 'pending', currentStep: null, failure: null });
    expect(got.text).not.toContain(GITLAB_TOKEN);
    const list = await api.request('GET', '/api/v1/clusters?status=pending', { key: org.adminKey });
    expect(list.status).toBe(200);
    expect(list.body.clusters.map((c: { id: string }) => c.id)).toContain(id);
    const none = await api.request('GET', '/api/v1/clusters?status=ready', { key: org.adminKey });
    expect(none.body.clusters.map((c: { id: string }) => c.id)).not.toContain(id);
    readyCluster = { id, cp, worker };
  });

  it('names each invalid field', async () => {
    const cp = await available();
    const worker = await available();
    const bad = await create({
      ...colonyBody(cp._id, worker._id),
      name: 'Not_DNS',
      flavor: 'kubeadm',
      controlPlanes: [],
      workers: [{ assetId: worker._id, ip: '192.168.1.300', subnet: '33' }],
    });
    expect(bad.status).toBe(400);
    expect(fields(bad)).toEqual(['controlPlanes', 'flavor', 'name', 'workers.0.ip', 'workers.0.subnet']);

    const network = await create(
      colonyBody(cp._id, worker._id, {
        controlPlanes: [{ assetId: cp._id, ip: '192.168.1.1', subnet: '24' }],
        workers: [{ assetId: worker._id, ip: '192.168.2.201', subnet: '24' }],
      }),
    );
    expect(network.status).toBe(400);
    expect(fields(network)).toEqual(['controlPlanes.0.ip', 'workers.0.ip']);

    const broadcast = await create(
      colonyBody(
        cp._id,
        worker._id,
        { workers: [{ assetId: worker._id, ip: '192.168.1.255', subnet: '24' }] },
        [131, 0],
      ),
    );
    expect(broadcast.status).toBe(400);
    expect(fields(broadcast)).toEqual(['workers.0.ip']);

    const twice = await create(
      colonyBody(
        cp._id,
        worker._id,
        {
          workers: [
            { assetId: worker._id, ip: '192.168.1.251', subnet: '24' },
            { assetId: worker._id, ip: '192.168.1.151', subnet: '24' },
          ],
        },
        [151, 0],
      ),
    );
    expect(twice.status).toBe(400);
    expect(fields(twice)).toEqual(['workers.1.assetId', 'workers.1.ip']);

    const elsewhere = await available({ siteId: site2Id });
    const sites = await create(colonyBody(cp._id, elsewhere._id, {}, [161, 61]));
    expect(sites.status).toBe(400);
    expect(fields(sites)).toEqual(['workers.0.assetId']);

    const bare = await available({ inventory: undefined });
    const noInventory = await create(colonyBody(cp._id, bare._id, {}, [161, 61]));
    expect(noInventory.status).toBe(400);
    expect(fields(noInventory)).toContain('workers.0.installDisk');
    // Naming the disk (and a MAC known from the asset) is enough.
    const named = await create(
      colonyBody(
        cp._id,
        bare._id,
        {
          workers: [{ assetId: bare._id, ip: '192.168.1.61', subnet: '24', diskDevice: '/dev/sda' }],
        },
        [161, 61],
      ),
      org.adminKey,
      '?dryRun=true',
    );
    expect(named.status).toBe(200);
    expect(named.body.problems).toEqual([]);

    for (const asset of [cp, worker, elsewhere, bare])
      expect((await api.container.repositories.assets.get(asset._id)).state).toBe('available');
  });

  it('takes a subnet of "1" to "32" or 1 to 32 and refuses "0", "33", 0 and 33 with 400, as the document says', async () => {
    const documented = await documentedBody(api, 'POST', '/api/v1/clusters');
    const cp = await available();
    const worker = await available();
    const withSubnet = (subnet: unknown) =>
      colonyBody(cp._id, worker._id, { workers: [{ assetId: worker._id, ip: '192.168.1.201', subnet }] });
    for (const subnet of ['1', '9', '10', '24', '32', 1, 32]) {
      const body = withSubnet(subnet);
      expect({ subnet, documented: documented(body) }).toEqual({ subnet, documented: true });
      const res = await create(body, org.adminKey, '?dryRun=true');
      expect({ subnet, status: res.status }, res.text).toEqual({ subnet, status: 200 });
    }
    for (const subnet of ['0', '33', '00', '08', '024', '-1', '24 ', 0, 33, 24.5]) {
      const body = withSubnet(subnet);
      expect({ subnet, documented: documented(body) }).toEqual({ subnet, documented: false });
      const res = await create(body, org.adminKey, '?dryRun=true');
      expect({ subnet, status: res.status, code: res.body.code, fields: fields(res) }).toEqual({
        subnet,
        status: 400,
        code: 'VALIDATION_FAILED',
        fields: ['workers.0.subnet'],
      });
    }
  });

  it('answers 404 naming the field for an unknown or foreign asset, 409 for a busy asset, a taken name or IP', async () => {
    const cp = await available();
    const worker = await available();
    const foreign = buildAsset({
      orgId: other.orgId,
      siteId: otherSiteId,
      state: 'available',
      inventory: sampleInventory('99'),
    });
    await api.container.repositories.assets.insert(foreign);
    const missing = await create(colonyBody(cp._id, foreign._id, {}, [141, 241]));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('ASSET_NOT_FOUND');
    expect(fields(missing)).toEqual(['workers.0.assetId']);

    const busy = await available({ state: 'provisioned' });
    const busyRes = await create(colonyBody(cp._id, busy._id, {}, [141, 241]));
    expect(busyRes.status).toBe(409);
    expect(busyRes.body.code).toBe('ASSET_BUSY');
    expect(fields(busyRes)).toEqual(['workers.0.assetId']);

    const existing = await api.container.repositories.clusters.get(readyCluster.id);
    const taken = await create({ ...colonyBody(cp._id, worker._id, {}, [141, 241]), name: existing.name });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('CLUSTER_NAME_TAKEN');
    expect(fields(taken)).toEqual(['name']);

    // The first cluster holds 192.168.1.101 and .201.
    const ipInUse = await create(colonyBody(cp._id, worker._id));
    expect(ipInUse.status).toBe(409);
    expect(ipInUse.body.code).toBe('IP_IN_USE');
    expect(fields(ipInUse)).toEqual(['controlPlanes.0.ip', 'workers.0.ip']);
    for (const asset of [cp, worker])
      expect((await api.container.repositories.assets.get(asset._id)).state).toBe('available');
  });

  it('dry run returns the plan and every problem, changing nothing', async () => {
    const cp = await available();
    const worker = await available();
    const before = await api.container.repositories.clusters.collection.countDocuments({});
    const body = colonyBody(cp._id, worker._id, {
      controlPlanes: [{ assetId: cp._id, ip: '192.168.1.111', subnet: '24', hostname: 'cp-a' }],
      workers: [{ assetId: worker._id, ip: '192.168.1.211', subnet: '24' }],
    });
    const res = await create(body, org.adminKey, '?dryRun=true');
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain(GITLAB_TOKEN);
    expect(res.body).toMatchObject({
      dryRun: true,
      valid: true,
      problems: [],
      plan: {
        siteId,
        nodes: [
          {
            field: 'controlPlanes.0',
            assetId: cp._id,
            role: 'controlplane',
            hostname: 'cp-a',
            ip: '192.168.1.111',
            installDisk: { serial: cp.inventory!.disks[0]!.serial },
          },
          { field: 'workers.0', assetId: worker._id, role: 'worker', ip: '192.168.1.211' },
        ],
      },
    });
    expect(res.body.plan.steps).toContain('Provision nodes');

    const invalid = await create(
      { ...body, name: (await api.container.repositories.clusters.get(readyCluster.id)).name },
      org.adminKey,
      '?dryRun=true',
    );
    expect(invalid.status).toBe(200);
    expect(invalid.body.valid).toBe(false);
    expect(invalid.body.problems).toEqual([expect.objectContaining({ field: 'name', code: 'CLUSTER_NAME_TAKEN' })]);

    expect(await api.container.repositories.clusters.collection.countDocuments({})).toBe(before);
    for (const asset of [cp, worker])
      expect((await api.container.repositories.assets.get(asset._id)).state).toBe('available');
  });

  it('reserves all assets or none', async () => {
    const cp = await available();
    const worker = await available();
    const repo = api.container.repositories.assets;
    const original = repo.transition.bind(repo);
    // Another actor takes the worker between the checks and the reservation.
    repo.transition = async (id, transition, options) => {
      if (id === worker._id && transition === 'reserve')
        throw new ConflictError(`Asset ${id} is provisioning; cannot reserve`, { assetId: id }, 'ASSET_BUSY');
      return original(id, transition, options);
    };
    try {
      const res = await create(
        colonyBody(cp._id, worker._id, {
          controlPlanes: [{ assetId: cp._id, ip: '192.168.1.121', subnet: '24' }],
          workers: [{ assetId: worker._id, ip: '192.168.1.221', subnet: '24' }],
        }),
      );
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('ASSET_BUSY');
    } finally {
      repo.transition = original;
    }
    for (const asset of [cp, worker]) {
      const now = await repo.get(asset._id);
      expect(now.state).toBe('available');
      expect(now.clusterId).toBeUndefined();
    }
    expect(await api.container.repositories.clusters.collection.countDocuments({ 'nodes.assetId': cp._id })).toBe(0);
  });

  it('serves the kubeconfig only once the cluster is ready', async () => {
    const { id } = readyCluster;
    const early = await api.request('GET', `/api/v1/clusters/${id}/kubeconfig`, { key: org.adminKey });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('CLUSTER_NOT_READY');

    const yaml = 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: kube-secret-token\n';
    h.secrets.add('kube-secret-token');
    await api.container.repositories.clusters.update(id, {
      status: 'ready',
      kubeconfigSecret: api.container.secretBox.seal(yaml, clusterSecretContext(id, 'kubeconfig')),
    });
    const res = await api.request('GET', `/api/v1/clusters/${id}/kubeconfig`, { key: org.adminKey });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/yaml');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+-kubeconfig\.yaml"$/);
    expect(res.text).toBe(yaml);
    const got = await api.request('GET', `/api/v1/clusters/${id}`, { key: org.adminKey });
    expect(got.body).toMatchObject({ status: 'ready', kubeconfigAvailable: true });
    expect(got.text).not.toContain('kube-secret-token');
  });

  it('hides another organization’s clusters (404)', async () => {
    const { id } = readyCluster;
    for (const [method, path] of [
      ['GET', `/api/v1/clusters/${id}`],
      ['GET', `/api/v1/clusters/${id}/kubeconfig`],
      ['DELETE', `/api/v1/clusters/${id}`],
    ] as const) {
      const res = await api.request(method, path, { key: other.adminKey });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('CLUSTER_NOT_FOUND');
    }
    const list = await api.request('GET', '/api/v1/clusters', { key: other.adminKey });
    expect(list.body.clusters).toEqual([]);
  });

  it('lets viewers read clusters but not create them or download a kubeconfig', async () => {
    const viewer = await h.key(api, org.adminKey, 'viewer');
    const cp = await available();
    const worker = await available();
    const res = await create(colonyBody(cp._id, worker._id, {}, [171, 71]), viewer.key);
    expect(res.status).toBe(403);
    expect((await api.request('GET', `/api/v1/clusters/${readyCluster.id}`, { key: viewer.key })).status).toBe(200);
    const kube = await api.request('GET', `/api/v1/clusters/${readyCluster.id}/kubeconfig`, { key: viewer.key });
    expect(kube.status).toBe(403);
  });

  it('delete starts clusterDelete', async () => {
    const { id } = readyCluster;
    const res = await api.request('DELETE', `/api/v1/clusters/${id}`, { key: org.adminKey });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ workflowId: `cluster-delete-${id}` });
    started.push(res.body.workflowId);
    expect(await api.container.repositories.workflows.get(`cluster-delete-${id}`)).toMatchObject({
      orgId: org.orgId,
      type: 'cluster-delete',
      target: { clusterId: id },
    });
    const client = await api.container.temporal();
    const described = await client.workflow.getHandle(`cluster-delete-${id}`).describe();
    expect(described).toMatchObject({ type: 'clusterDelete', taskQueue: api.container.config.taskQueue });
    const got = await api.request('GET', `/api/v1/clusters/${id}`, { key: org.adminKey });
    expect(got.body.workflowId).toBe(`cluster-delete-${id}`);
  });
});
