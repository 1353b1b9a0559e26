import { WorkflowFailedError } from '@temporalio/client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterDoc } from '../../../db/cluster-repository.js';
import { newId } from '../../../db/ids.js';
import { clusterSecretContext } from '../../../shared/secret-contexts.js';
import { FakeAgent, type FakeAgentScript } from '../../support/fake-agent.js';
import { buildAsset, startOrchestration, type Orchestration } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { recordHistory } from '../../support/histories.js';
import { uniqueName } from '../../support/services.js';

const fast = { heartbeatTimeout: '3 seconds', bootTimeout: '8 seconds' };
let machineNo = 40;

/** Machines that obey their BMC and boot what they are told; MACs in `neverBootsTalos` hang at Talos boot. */
function rack(
  h: Orchestration,
  macsByAsset: Map<string, string>,
  neverBootsTalos = new Set<string>(),
): FakeAgentScript {
  const plans = new Map<string, string>();
  return {
    'bmc.status': () => ({ result: { powerState: 'off' } }),
    'bmc.power': (job) => ({
      result: { powerState: (job.payload as { action: string }).action === 'off' ? 'off' : 'on' },
    }),
    'bmc.bootdev': (job) => ({ result: { device: (job.payload as { device: 'pxe' | 'disk' }).device } }),
    'boot.prepare': (job) => {
      const p = job.payload as { assetId: string; plan: { kind: string } };
      plans.set(p.assetId, p.plan.kind);
      return { result: { bootServerUrl: 'http://127.0.0.1:8081' } };
    },
    'talos.waitApi': () => ({ result: { version: 'v1.10.6' } }),
    'talos.bootstrap': () => ({ result: { outcome: 'bootstrapped' } }),
    'k8s.waitReady': () => ({ result: { ready: true } }),
    'talos.kubeconfig': () => ({ result: { kubeconfig: 'apiVersion: v1\nkind: Config\n' } }),
    'ssh.wipe': () => ({ result: { reports: [] } }),
    after: async (job) => {
      const p = job.payload as { assetId: string; action?: string };
      if (job.kind !== 'bmc.power' || p.action !== 'on') return;
      const mac = macsByAsset.get(p.assetId)!;
      if (plans.get(p.assetId) === 'talos') {
        if (neverBootsTalos.has(mac)) return;
        await h.relay.relay('site_test', { type: 'config-fetched', mac });
      } else {
        await h.relay.relay('site_test', { type: 'utility-ready', mac, address: '127.0.0.1:2222' });
      }
    },
  };
}

async function reservedCluster(h: Orchestration, nodes: number) {
  const clusterId = newId('clu');
  const macs = new Map<string, string>();
  const clusterNodes: ClusterDoc['nodes'] = [];
  for (let i = 0; i < nodes; i++) {
    const inventory = sampleInventory(String(machineNo++));
    const asset = buildAsset({ state: 'reserved', clusterId, inventory, macs: inventory.nics.map((n) => n.mac) });
    await h.assets.insert(asset);
    macs.set(asset._id, inventory.nics[0]!.mac);
    clusterNodes.push({
      assetId: asset._id,
      role: i === 0 ? 'controlplane' : 'worker',
      hostname: `node-${i + 1}`,
      ip: `127.10.0.${11 + i}`,
      prefix: 24,
      mac: inventory.nics[0]!.mac,
      installDisk: { wwn: inventory.disks[0]!.wwn! },
    });
  }
  const at = new Date();
  await h.clusters.insert({
    _id: clusterId,
    orgId: 'org_test',
    siteId: 'site_test',
    name: uniqueName('lab').replace(/_/g, '-'),
    type: 'talos',
    flavor: 'talos',
    gateway: '127.10.0.1',
    nodes: clusterNodes,
    kubernetesVersion: '1.33.3',
    talosVersion: 'v1.10.6',
    status: 'pending',
    createdAt: at,
    updatedAt: at,
  });
  return { clusterId, macs, nodes: clusterNodes };
}

describe('the cluster workflows', () => {
  let h: Orchestration;
  beforeAll(async () => {
    h = await startOrchestration();
  });
  afterAll(async () => h.close());

  it('creates a 3-node cluster: sealed Talos artefacts, nodes provisioned, etcd bootstrapped, kubeconfig stored; delete wipes every node', async () => {
    const { clusterId, macs, nodes } = await reservedCluster(h, 3);
    const agent = new FakeAgent(h.bridge, 'site_test', rack(h, macs)).start();
    try {
      const workflowId = uniqueName('cluster');
      const result = await h.client.workflow.execute('clusterCreate', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ clusterId, timings: fast }],
      });
      expect(result).toEqual({ clusterId, endpoint: 'https://127.10.0.11:6443', nodes: 3 });
      await recordHistory(h.client.workflow.getHandle(workflowId), 'cluster-create-completed');
      await recordHistory(
        h.client.workflow.getHandle(`${workflowId}-node-${nodes[0]!.assetId}`),
        'provision-os-completed',
      );
      const cluster = await h.clusters.get(clusterId);
      expect(cluster.status).toBe('ready');
      const talosconfig = parse(
        h.secrets.open(cluster.secrets!.talosconfig, clusterSecretContext(clusterId, 'talosconfig')),
      );
      expect(JSON.stringify(talosconfig)).toContain('127.10.0.11');
      const cpConfig = parse(
        h.secrets.open(
          cluster.secrets!.machineConfigs[nodes[0]!.assetId]!,
          clusterSecretContext(clusterId, `machineConfig:${nodes[0]!.assetId}`),
        ),
      );
      expect(cpConfig.machine.type).toBe('controlplane');
      expect(() =>
        h.secrets.open(cluster.secrets!.talosconfig, clusterSecretContext('clu_other', 'talosconfig')),
      ).toThrow();
      for (const node of nodes) expect((await h.assets.get(node.assetId)).state).toBe('provisioned');
      const bootstraps = agent.seen.filter((j) => j.kind === 'talos.bootstrap');
      expect(bootstraps.map((j) => j.payload)).toEqual([{ clusterId, nodeIp: '127.10.0.11' }]);
      expect(h.storedSecrets.some((s) => s.result.kubeconfig)).toBe(true);

      const deleteId = uniqueName('delete');
      await h.client.workflow.execute('clusterDelete', {
        taskQueue: h.taskQueue,
        workflowId: deleteId,
        args: [{ clusterId, timings: fast }],
      });
      await recordHistory(h.client.workflow.getHandle(deleteId), 'cluster-delete-completed');
      expect((await h.clusters.get(clusterId)).status).toBe('deleted');
      for (const node of nodes) {
        const asset = await h.assets.get(node.assetId);
        expect(asset.state).toBe('available');
        expect(asset.clusterId).toBeUndefined();
      }
    } finally {
      await agent.stop();
    }
    expect(agent.errors).toEqual([]);
  });

  it('fails at "Provision nodes" when a node never boots, and wipes every touched node', async () => {
    const { clusterId, macs, nodes } = await reservedCluster(h, 2);
    const agent = new FakeAgent(h.bridge, 'site_test', rack(h, macs, new Set([nodes[1]!.mac!]))).start();
    const workflowId = uniqueName('cluster');
    try {
      const run = h.client.workflow.execute('clusterCreate', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ clusterId, timings: fast }],
      });
      await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
      await recordHistory(h.client.workflow.getHandle(workflowId), 'cluster-create-compensated');
    } finally {
      await agent.stop();
    }
    const cluster = await h.clusters.get(clusterId);
    expect(cluster.status).toBe('failed');
    expect(cluster.failure).toMatchObject({ step: 'Provision nodes', reason: 'BootTimeout' });
    for (const node of nodes) expect((await h.assets.get(node.assetId)).state).toBe('available');
    expect(agent.seen.filter((j) => j.kind === 'ssh.wipe')).toHaveLength(2);
  });

  it('fails a node whose Talos API never answers within the boot timeout, not after the hours a long job may take', async () => {
    const { clusterId, macs, nodes } = await reservedCluster(h, 2);
    const silent = nodes[1]!.assetId;
    const script = rack(h, macs);
    // The install failed: every attempt at reaching the node's Talos API waits and never ends.
    const waitApi = script['talos.waitApi']!;
    script['talos.waitApi'] = (job) =>
      (job.payload as { assetId: string }).assetId === silent ? { hang: true } : waitApi(job);
    const agent = new FakeAgent(h.bridge, 'site_test', script).start();
    const started = Date.now();
    try {
      const run = h.client.workflow.execute('clusterCreate', {
        taskQueue: h.taskQueue,
        workflowId: uniqueName('cluster'),
        args: [{ clusterId, timings: fast }],
      });
      await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    } finally {
      await agent.stop();
    }
    // bootTimeout is 8 s; the compensation's wipes take a few more.
    expect(Date.now() - started).toBeLessThan(60_000);
    const cluster = await h.clusters.get(clusterId);
    expect(cluster.failure).toMatchObject({ step: 'Provision nodes', reason: 'JobTimeout' });
    expect(cluster.failure?.message).toMatch(/talos\.waitApi did not finish within 8 seconds/);
    for (const node of nodes) expect((await h.assets.get(node.assetId)).state).toBe('available');
  });

  it('provisions at most maxParallelNodes at once, starts no node after a failure, and only releases those', async () => {
    const { clusterId, macs, nodes } = await reservedCluster(h, 3);
    // One at a time, in plan order: the first node never boots.
    const agent = new FakeAgent(h.bridge, 'site_test', rack(h, macs, new Set([nodes[0]!.mac!]))).start();
    const workflowId = uniqueName('cluster');
    try {
      const run = h.client.workflow.execute('clusterCreate', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ clusterId, timings: fast, maxParallelNodes: 1 }],
      });
      await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    } finally {
      await agent.stop();
    }
    const cluster = await h.clusters.get(clusterId);
    expect(cluster.failure).toMatchObject({ step: 'Provision nodes', reason: 'BootTimeout' });
    expect(cluster.failure?.message).toContain('1 of 3 nodes failed to provision (2 not started)');
    for (const node of nodes) expect((await h.assets.get(node.assetId)).state).toBe('available');
    const touchedByJobs = new Set(agent.seen.map((j) => (j.payload as { assetId?: string }).assetId));
    expect([...touchedByJobs].filter(Boolean)).toEqual([nodes[0]!.assetId]);
    expect(agent.seen.filter((j) => j.kind === 'ssh.wipe')).toHaveLength(1);
  });

  it("keeps the first failure as the run's error when compensation fails too", async () => {
    const { clusterId, macs, nodes } = await reservedCluster(h, 1);
    const script: FakeAgentScript = {
      ...rack(h, macs, new Set([nodes[0]!.mac!])),
      'ssh.wipe': () => ({ failure: { type: 'WipeFailed', message: 'disk refused the erase', retryable: false } }),
    };
    const agent = new FakeAgent(h.bridge, 'site_test', script).start();
    const workflowId = uniqueName('cluster');
    try {
      await h.workflows.recordStart({
        _id: workflowId,
        orgId: 'org_test',
        type: 'cluster-provision',
        target: { clusterId },
      });
      const run = h.client.workflow.execute('clusterCreate', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ clusterId, timings: fast }],
      });
      await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    } finally {
      await agent.stop();
    }
    const row = await h.workflows.get(workflowId);
    expect(row?.error).toMatchObject({ step: 'Provision nodes', reason: 'BootTimeout' });
    expect(row?.steps.find((s) => s.name === 'Wipe touched nodes')).toMatchObject({ status: 'failed' });
    expect((await h.clusters.get(clusterId)).failure).toMatchObject({ step: 'Provision nodes' });
  });

  it('deletes a cluster still being created: cancels the creation, waits for its compensation, wipes each node once', async () => {
    const { clusterId, macs, nodes } = await reservedCluster(h, 2);
    // The second node never boots, so the creation stays in "Provision nodes" until cancelled.
    const agent = new FakeAgent(h.bridge, 'site_test', rack(h, macs, new Set([nodes[1]!.mac!]))).start();
    const createId = uniqueName('cluster');
    const deleteId = uniqueName('delete');
    const slow = { heartbeatTimeout: '3 seconds', bootTimeout: '5 minutes' };
    try {
      await h.workflows.recordStart({
        _id: createId,
        orgId: 'org_test',
        type: 'cluster-provision',
        target: { clusterId },
      });
      await h.workflows.recordStart({
        _id: deleteId,
        orgId: 'org_test',
        type: 'cluster-delete',
        target: { clusterId },
      });
      const create = await h.client.workflow.start('clusterCreate', {
        taskQueue: h.taskQueue,
        workflowId: createId,
        args: [{ clusterId, timings: slow }],
      });
      await expect
        .poll(async () => (await h.assets.get(nodes[0]!.assetId)).state, { timeout: 30_000 })
        .toBe('provisioned');
      await create.cancel();
      await h.client.workflow.execute('clusterDelete', {
        taskQueue: h.taskQueue,
        workflowId: deleteId,
        args: [{ clusterId, awaitWorkflowId: createId, timings: fast }],
      });
      await recordHistory(h.client.workflow.getHandle(deleteId), 'cluster-delete-after-cancel');
    } finally {
      await agent.stop();
    }
    expect((await h.workflows.get(createId))?.status).toMatch(/^(failed|cancelled)$/);
    const deletion = await h.workflows.get(deleteId);
    expect(deletion?.status).toBe('completed');
    expect(deletion?.steps.map((s) => [s.name, s.status])).toEqual([
      ['Stop cluster creation', 'completed'],
      ['Mark deleting', 'completed'],
      ['Wipe nodes', 'completed'],
      ['Mark deleted', 'completed'],
    ]);
    expect((await h.clusters.get(clusterId)).status).toBe('deleted');
    for (const node of nodes) {
      const asset = await h.assets.get(node.assetId);
      expect(asset.state).toBe('available');
      expect(asset.clusterId).toBeUndefined();
    }
    // The creation's compensation wiped both touched nodes; the delete found nothing left to wipe.
    expect(agent.seen.filter((j) => j.kind === 'ssh.wipe')).toHaveLength(2);
    expect(agent.errors).toEqual([]);
  });
});
