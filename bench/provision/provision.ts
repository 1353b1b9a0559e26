// `npm run bench:provision`: provisioning throughput and orchestration overhead on the lab with
// zero boot delays — API, worker, Temporal, FerretDB, the agent as its own process, lab servers
// behind real ipmi_sim BMCs. For each N in BENCH_NODES (default "1,10,50"; the full set
// is "1,10,50,200"): a lab of N servers is enrolled and discovered, then ONE cluster request
// through the REST API (Colony's body: 1 control plane, N-1 workers) installs Talos on all of
// them. Per node it measures request → asset `provisioned`, the part of that spent in agent jobs
// (ipmitool, boot server, Talos API: the hardware's own time, zero-delay lab) and the rest, the
// orchestration overhead; and request → kubeconfig for the cluster. Not a test: it measures.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { benchEnv, endBench } from '../bench-env.js';
import { loadApiConfig } from '../../api/config.js';
import { startApi } from '../../api/server.js';
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { createLogger } from '../../shared/logger.js';
import { enrolLabServers, startDemoDatacenter, startLabAgent } from '../../tools/dev/demo-datacenter.js';
import { startLabProcess } from '../../tools/dev/lab-process.js';
import { waitForDiscovery } from '../../tools/dev/welcome.js';
import { startDevServices } from '../../tools/devservices/index.js';
import { loadWorkerConfig } from '../../workflows/worker/config.js';
import { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { startWorker } from '../../workflows/worker/worker.js';
import { printBreakdown } from './breakdown.js';
import { printDatabaseProfile, profileDatabase } from './db-profile.js';
import { machineBusyMs, percentile, seconds, watchStates } from './measure.js';
import { cpus } from 'node:os';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
const quiet = createLogger('bench', { level: 'silent' });
const sizes = (process.env.BENCH_NODES ?? '1,10,50').split(',').map(Number);
// `process` (default): the lab runs as its own process, as a rack is not inside the API server;
// `inline`: in this process, sharing its event loop with the API and the worker.
const labMode = process.env.BENCH_LAB ?? 'process';
if (labMode !== 'process' && labMode !== 'inline') throw new Error('BENCH_LAB is process or inline');
// One agent for the whole lab, with room for every machine's jobs at once (the agent's maximum).
process.env.RACKPILOT_AGENT_CONCURRENCY ??= '64';

const profiling = process.env.BENCH_DB_PROFILE === '1';
if (profiling) profileDatabase();
const services = await startDevServices({ say: () => undefined });
const env = benchEnv(services);
// API and worker in this process share the queued-job signal, as `npm start` does;
// `BENCH_JOB_SIGNAL=off` measures them as if in separate processes (the feed's polling alone).
const jobSignal = process.env.BENCH_JOB_SIGNAL === 'off' ? {} : { queuedJobSignal: new QueuedJobSignal() };
const api = await startApi(loadApiConfig(env), quiet, jobSignal);
const worker = await startWorker(loadWorkerConfig(env), quiet, jobSignal);
const { organization, apiKey } = await bootstrapOrganization(api.container, { name: 'bench' });
const rows: string[] = [];

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A site, its agent (own process), a lab of `n` servers and their enrolment (starting discovery). */
async function startDatacenter(n: number, dir: string) {
  if (labMode === 'inline') {
    const dc = await startDemoDatacenter({
      container: api.container,
      apiUrl: api.url,
      orgId: organization.id,
      machines: n,
      dir,
      delays: { post: 0, boot: 0, install: 0 },
      log: quiet,
    });
    return { assetIds: dc.assetIds, network: dc.lab.network, stop: () => dc.stop() };
  }
  const { site, enrollmentToken } = await api.container.services.sites.create(organization.id, {
    name: `bench-${n}-${Date.now()}`,
  });
  const agent = await startLabAgent({ apiUrl: api.url, enrollmentToken, dir });
  const lab = await startLabProcess({ machines: n, bootServerUrl: agent.bootServerUrl, dir }).catch(
    async (err: unknown) => {
      await agent.stop();
      throw err;
    },
  );
  const enrol = async (body: Parameters<typeof api.container.services.assets.enrol>[1]) =>
    (await api.container.services.assets.enrol(organization.id, body)).asset._id;
  const assetIds = await enrolLabServers(lab, enrol, site._id);
  return {
    assetIds,
    network: lab.network,
    stop: async () => {
      await agent.stop();
      await lab.stop();
    },
  };
}

for (const n of sizes) {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-bench-'));
  const labStart = Date.now();
  const dc = await startDatacenter(n, dir);
  const enrolled = Date.now();
  const undiscovered = await waitForDiscovery(api.container, dc.assetIds, quiet, 30 * 60_000);
  const discovered = Date.now();
  if (undiscovered.length > 0) {
    const reasons = new Map<string, number>();
    for (const a of undiscovered) {
      const reason = JSON.stringify(a.lastError ?? 'no error recorded');
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) console.log(`discovery failed on ${count} of ${n} machines: ${reason}`);
    throw new Error(`discovery failed on ${undiscovered.length} of ${n} machines`);
  }
  const discoveries = await Promise.all(
    dc.assetIds.map((id) => api.container.repositories.workflows.get(`discovery-${id}`)),
  );
  const discoveryTimes = discoveries.map((r) => r?.durationMs).filter((d): d is number => typeof d === 'number');

  // One cluster over the whole lab, as an operator would ask for it.
  const ips = dc.network.freeIps;
  const node = (assetId: string, i: number) => ({ assetId, ip: ips[i]!, subnet: '24' });
  if (profiling) printDatabaseProfile(`${n} nodes, enrolment and discovery`);
  const requested = Date.now();
  const busyAtRequest = machineBusyMs();
  let busyAtReady = NaN;
  const accepted = await rest('POST', '/api/v1/clusters', {
    name: `bench-${n}-${requested}`,
    type: 'bench',
    flavor: 'talos',
    gateway: dc.network.gateway,
    controlPlanes: [node(dc.assetIds[0]!, 0)],
    workers: dc.assetIds.slice(1).map((id, i) => node(id, i + 1)),
  });
  const clusterId = String(accepted.id);
  const provisionedAt = await watchStates(api.container.db, dc.assetIds, 'provisioned', 10 * 60_000, async () => {
    const cluster = await api.container.repositories.clusters.get(clusterId);
    if (cluster.status === 'failed') throw new Error(`cluster failed: ${JSON.stringify(cluster.failure)}`);
  });
  let ready = NaN;
  for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline;) {
    const cluster = await api.container.repositories.clusters.get(clusterId);
    if (cluster.status === 'ready') {
      ready = Date.now();
      busyAtReady = machineBusyMs();
      break;
    }
    if (cluster.status === 'failed') throw new Error(`cluster failed: ${JSON.stringify(cluster.failure)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  if (profiling) printDatabaseProfile(`${n} nodes, cluster request to ready`);
  // Per node: the agent's own time on the node's jobs (claimed → finished), and everything else.
  const createId = String(accepted.workflowId);
  const wall: number[] = [];
  const agentWork: number[] = [];
  const overhead: number[] = [];
  for (const assetId of dc.assetIds) {
    const jobs = await api.container.repositories.agentJobs.listForWorkflow(`${createId}-node-${assetId}`);
    const work = jobs.reduce(
      (sum, j) => sum + (j.finishedAt && j.claimedAt ? j.finishedAt.getTime() - j.claimedAt.getTime() : 0),
      0,
    );
    const total = provisionedAt.get(assetId)! - requested;
    wall.push(total);
    agentWork.push(work);
    overhead.push(total - work);
  }
  // The cluster's run and its slowest node's.
  const slowest = dc.assetIds[wall.indexOf(Math.max(...wall))];
  if (process.env.BENCH_BREAKDOWN === '1')
    for (const id of [createId, `${createId}-node-${slowest}`])
      await printBreakdown(await api.container.temporal(), api.container.repositories.agentJobs, id, requested);
  const allProvisioned = Math.max(...provisionedAt.values()) - requested;
  // CPU the whole machine spent from the request to the cluster ready, per node: with C cores, N
  // nodes cannot take less than N × this / C, however well the orchestration overlaps.
  const cpuPerNode = (busyAtReady - busyAtRequest) / n;
  rows.push(
    [
      `| ${n}`,
      seconds(enrolled - labStart),
      `${seconds(discovered - enrolled)} (p50 ${seconds(percentile(discoveryTimes, 50))})`,
      seconds(allProvisioned),
      `${seconds(percentile(wall, 50))} / ${seconds(percentile(wall, 99))}`,
      `${seconds(percentile(agentWork, 50))}`,
      `${seconds(percentile(overhead, 50))} / ${seconds(percentile(overhead, 99))}`,
      `${seconds(ready - requested)}`,
      `${seconds(cpuPerNode)} |`,
    ].join(' | '),
  );
  console.log(rows.at(-1));
  // The lab goes away with its machines: retire the cluster without a delete workflow (there is
  // nothing left to wipe), so the next run may use the same node IPs.
  await api.container.repositories.clusters.update(clusterId, { status: 'deleted' });
  await dc.stop();
  await rm(dir, { recursive: true, force: true });
}

await endBench(
  [
    'nodes',
    'lab + agent start',
    'discovery: all (per-node p50)',
    'provision: all nodes',
    'per node p50 / p99',
    'of which agent jobs p50',
    'orchestration overhead p50 / p99',
    'cluster request → ready (kubeconfig)',
    `machine CPU per node (${cpus().length} vCPUs)`,
  ],
  rows,
  { worker, api, services },
);
