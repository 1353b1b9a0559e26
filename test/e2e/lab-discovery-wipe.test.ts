import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { newId } from '../../db/ids.js';
import { clusterSecretContext } from '../../shared/secret-contexts.js';
import { createLogger } from '../../shared/logger.js';
import { startDemoDatacenter, type DemoDatacenter } from '../../tools/dev/demo-datacenter.js';
import { waitForDiscovery } from '../../tools/dev/welcome.js';
import { ApiHarness, type TestApi } from '../integration/api/harness.js';
import { startWorkerFor } from '../support/api-worker.js';
import { uniqueName } from '../support/services.js';
import { readBytes } from './lab-stack.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** API + worker + an agent process + a lab of `machines` servers, enrolled; `stop()` ends them all. */
async function startLabStack(name: string, machines: number) {
  const harness = new ApiHarness();
  await harness.open(name);
  const api = await harness.start({ env: { RACKPILOT_TASK_QUEUE: uniqueName(name) } });
  const worker = await startWorkerFor(api.container);
  const { organization } = await bootstrapOrganization(api.container, { name });
  const dir = await mkdtemp(join(tmpdir(), `rackpilot-${name}-`));
  const datacenter = await startDemoDatacenter({
    container: api.container,
    apiUrl: api.url,
    orgId: organization.id,
    machines,
    dir,
    delays: { post: 0, boot: 0, install: 0 },
    log: createLogger(name, { level: 'silent' }),
  });
  return {
    api,
    datacenter,
    dir,
    async stop() {
      await datacenter.stop();
      await worker.stop();
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// The production paths end to end: API, worker and Temporal; the agent as its own process;
// lab servers behind real ipmi_sim BMCs, PXE over HTTP, and an SSH utility OS over disk files.
describe('a simulated datacenter, end to end', () => {
  let stack: Awaited<ReturnType<typeof startLabStack>>;
  let api: TestApi;
  let datacenter: DemoDatacenter;

  beforeAll(async () => {
    stack = await startLabStack('e2e', 2);
    ({ api, datacenter } = stack);
  });
  afterAll(async () => stack?.stop());

  it('discovers every enrolled server: inventory with the lab disks’ serials and the machines’ MACs', async () => {
    await waitForDiscovery(api.container, datacenter.assetIds, createLogger('e2e', { level: 'silent' }), 120_000);
    for (const [i, assetId] of datacenter.assetIds.entries()) {
      const asset = await api.container.repositories.assets.get(assetId);
      const server = datacenter.lab.servers[i]!;
      expect(asset.state).toBe('available');
      expect(asset.inventory?.disks.map((d) => d.serial).sort()).toEqual(server.disks.map((d) => d.serial).sort());
      expect(asset.macs).toEqual(expect.arrayContaining(server.macs));
      expect(datacenter.lab.server(server.name).chassis().power).toBe('off');
    }
  });

  it('wipes a server for real: every disk file zeroed at head and tail, verified reports stored', async () => {
    const assetId = datacenter.assetIds[0]!;
    const server = datacenter.lab.server(datacenter.lab.servers[0]!.name);
    const disks = datacenter.lab.servers[0]!.disks;
    for (const disk of disks) {
      await writeFile(server.diskFile(disk.name), Buffer.alloc(1024 * 1024, 0xab), { flag: 'r+' });
    }
    const client = await api.container.temporal();
    const workflowId = uniqueName('wipe');
    await client.workflow.execute('wipe', {
      taskQueue: api.container.config.taskQueue,
      workflowId,
      args: [{ assetId, mode: 'quick' }],
    });
    const asset = await api.container.repositories.assets.get(assetId);
    expect(asset.state).toBe('available');
    expect(asset.wipeReports).toHaveLength(disks.length);
    expect(asset.wipeReports?.every((r) => r.verification.passed)).toBe(true);
    for (const disk of disks) {
      const head = await readBytes(server.diskFile(disk.name), 0, 1024 * 1024);
      expect(head.every((b) => b === 0)).toBe(true);
    }
  });
});

describe('a Talos cluster on the simulated datacenter', () => {
  let stack: Awaited<ReturnType<typeof startLabStack>>;
  let api: TestApi;
  let datacenter: DemoDatacenter;
  let dir: string;

  beforeAll(async () => {
    stack = await startLabStack('e2ecluster', 1);
    ({ api, datacenter, dir } = stack);
    await waitForDiscovery(api.container, datacenter.assetIds, createLogger('e2e', { level: 'silent' }), 120_000);
  });
  afterAll(async () => stack?.stop());

  it('installs Talos, bootstraps etcd and stores a kubeconfig that kubectl can use; delete wipes the node', async () => {
    const assetId = datacenter.assetIds[0]!;
    const asset = await api.container.repositories.assets.get(assetId);
    const clusterId = newId('clu');
    const nodeIp = datacenter.lab.network.freeIps[0]!;
    await api.container.repositories.assets.transition(assetId, 'reserve', { set: { clusterId } });
    const at = new Date();
    await api.container.repositories.clusters.insert({
      _id: clusterId,
      orgId: asset.orgId,
      siteId: asset.siteId,
      name: 'lab-one',
      type: 'talos',
      flavor: 'talos',
      gateway: datacenter.lab.network.gateway,
      nodes: [
        {
          assetId,
          role: 'controlplane',
          hostname: 'cp-1',
          ip: nodeIp,
          prefix: 24,
          mac: asset.macs[0],
          installDisk: { serial: asset.inventory!.disks[0]!.serial! },
        },
      ],
      kubernetesVersion: '1.33.3',
      talosVersion: 'v1.10.6',
      status: 'pending',
      createdAt: at,
      updatedAt: at,
    });
    const client = await api.container.temporal();
    const taskQueue = api.container.config.taskQueue;
    const result = await client.workflow.execute('clusterCreate', {
      taskQueue,
      workflowId: uniqueName('cc'),
      args: [{ clusterId }],
    });
    expect(result).toMatchObject({ clusterId, endpoint: `https://${nodeIp}:6443` });
    const cluster = await api.container.repositories.clusters.get(clusterId);
    expect(cluster.status).toBe('ready');
    const kubeconfig = api.container.secretBox.open(
      cluster.kubeconfigSecret!,
      clusterSecretContext(clusterId, 'kubeconfig'),
    );
    const file = join(dir, 'kubeconfig');
    await writeFile(file, kubeconfig, { mode: 0o600 });
    // Asynchronously: the lab's Kubernetes endpoint is served by this very process.
    const readyz = await promisify(execFile)('kubectl', ['--kubeconfig', file, 'get', '--raw', '/readyz'], {
      timeout: 30_000,
    });
    expect(readyz.stdout.trim()).toBe('ok');

    await client.workflow.execute('clusterDelete', { taskQueue, workflowId: uniqueName('cd'), args: [{ clusterId }] });
    expect((await api.container.repositories.clusters.get(clusterId)).status).toBe('deleted');
    expect((await api.container.repositories.assets.get(assetId)).state).toBe('available');
  });
});
