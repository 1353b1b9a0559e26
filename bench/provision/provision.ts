// `npm run bench:provision`: provisioning throughput and orchestration overhead on the lab with
// zero boot delays — API, worker, Temporal, FerretDB, the agent as its own process, lab servers
// behind real ipmi_sim BMCs. Prints per-node discovery time (p50/p99), total time for N nodes
// discovered concurrently (N from BENCH_NODES, default "1,5,10"), and a 1-node Talos cluster
// request → kubeconfig stored. Not a test: it asserts nothing, it measures.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadApiConfig } from '../../api/config.js';
import { startApi } from '../../api/server.js';
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { newId } from '../../db/ids.js';
import { createLogger } from '../../shared/logger.js';
import { startDemoDatacenter } from '../../tools/dev/demo-datacenter.js';
import { waitForDiscovery } from '../../tools/dev/welcome.js';
import { startDevServices } from '../../tools/devservices/index.js';
import { loadWorkerConfig } from '../../workflows/worker/config.js';
import { startWorker } from '../../workflows/worker/worker.js';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
const quiet = createLogger('bench', { level: 'silent' });
const sizes = (process.env.BENCH_NODES ?? '1,5,10').split(',').map(Number);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

const services = await startDevServices({ say: () => undefined });
const env = {
  ...process.env,
  MONGODB_URI: services.mongoUri,
  TEMPORAL_ADDRESS: services.temporalAddress,
  RACKPILOT_DEV_MODE: 'true',
  RACKPILOT_LOG_LEVEL: 'error',
  RACKPILOT_API_PORT: '0',
};
const api = await startApi(loadApiConfig(env), quiet);
const worker = await startWorker(loadWorkerConfig(env), quiet);
const { organization } = await bootstrapOrganization(api.container, { name: 'bench' });
const rows: string[] = [];

for (const n of sizes) {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-bench-'));
  const started = Date.now();
  const dc = await startDemoDatacenter({
    container: api.container,
    apiUrl: api.url,
    orgId: organization.id,
    machines: n,
    dir,
    delays: { post: 0, boot: 0, install: 0 },
    log: quiet,
  });
  const enrolled = Date.now();
  await waitForDiscovery(api.container, dc.assetIds, quiet, 600_000);
  const done = Date.now();
  const runs = await Promise.all(dc.assetIds.map((id) => api.container.repositories.workflows.get(`discovery-${id}`)));
  // A run whose index row lacks a duration is counted apart, not averaged in.
  const perNode = runs.map((r) => r?.durationMs).filter((d): d is number => typeof d === 'number');
  if (perNode.length < n) console.log(`  (${n - perNode.length} run(s) without a recorded duration)`);
  rows.push(
    `| discovery, ${n} node(s) concurrently | ${((enrolled - started) / 1000).toFixed(1)} s | ${((done - enrolled) / 1000).toFixed(1)} s | ${(percentile(perNode, 50) / 1000).toFixed(2)} s | ${(percentile(perNode, 99) / 1000).toFixed(2)} s |`,
  );
  console.log(rows.at(-1));
  if (n === sizes[0]) {
    const assetId = dc.assetIds[0]!;
    const asset = await api.container.repositories.assets.get(assetId);
    const clusterId = newId('clu');
    await api.container.repositories.assets.transition(assetId, 'reserve', { set: { clusterId } });
    const at = new Date();
    await api.container.repositories.clusters.insert({
      _id: clusterId,
      orgId: organization.id,
      siteId: asset.siteId,
      name: 'bench-one',
      type: 'talos',
      flavor: 'talos',
      gateway: dc.lab.network.gateway,
      nodes: [
        {
          assetId,
          role: 'controlplane',
          hostname: 'cp-1',
          ip: dc.lab.network.freeIps[0]!,
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
    const t0 = Date.now();
    await client.workflow.execute('clusterCreate', {
      taskQueue: api.container.config.taskQueue,
      workflowId: `bench-${clusterId}`,
      args: [{ clusterId }],
    });
    const ready = (await api.container.repositories.clusters.get(clusterId)).kubeconfigSecret ? Date.now() : NaN;
    rows.push(
      `| 1-node Talos cluster: request → kubeconfig stored | – | ${((ready - t0) / 1000).toFixed(1)} s | – | – |`,
    );
    console.log(rows.at(-1));
  }
  await dc.stop();
  await rm(dir, { recursive: true, force: true });
}

console.log('\n| run | lab + agent start | wall time | per-node p50 | per-node p99 |\n|---|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
await worker.stop();
await api.stop();
await services.stop();
process.exit(0);
