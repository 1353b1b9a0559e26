// `npm start`: the whole stack on this machine — real Temporal and MongoDB-protocol servers
// (yours via TEMPORAL_ADDRESS / MONGODB_URI, else started here), the API, the worker, and a
// simulated datacenter: one agent (its own process) and a lab of servers with real IPMI
// endpoints, PXE, SSH and Talos APIs on loopback, enrolled and discovered.
// Flags: --machines N (default 5; 2 with --vm), --fast (no boot delays), --no-lab (API and worker
// only), --vm (the VM lab instead: QEMU machines PXE-booting the real utility OS; needs root).
// Ctrl-C stops everything this command started, and nothing else.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadApiConfig } from '../../api/config.js';
import { startApi } from '../../api/server.js';
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { createLogger } from '../../shared/logger.js';
import { loadWorkerConfig } from '../../workflows/worker/config.js';
import { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { startWorker } from '../../workflows/worker/worker.js';
import { startDevServices } from '../devservices/index.js';
import { MAX_VM_MACHINES } from '../../lab/vm/vm-lab.js';
import { startDemoDatacenter } from './demo-datacenter.js';
import { startVmDemoDatacenter } from './vm-datacenter.js';
import { printWelcome, waitForDiscovery } from './welcome.js';

const { values: flags } = parseArgs({
  options: {
    machines: { type: 'string', default: '5' },
    fast: { type: 'boolean', default: false },
    'no-lab': { type: 'boolean', default: false },
    vm: { type: 'boolean', default: false },
  },
});
const machines = Number(flags.vm && !process.argv.some((a) => a.startsWith('--machines')) ? 2 : flags.machines);
const maxMachines = flags.vm ? MAX_VM_MACHINES : 50;
if (!Number.isInteger(machines) || machines < 1 || machines > maxMachines) {
  console.error(`--machines must be an integer from 1 to ${maxMachines}`);
  process.exit(2);
}

const log = createLogger('dev');
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
});

const stops: (() => Promise<void>)[] = [];
const runDir = await mkdtemp(join(tmpdir(), 'rackpilot-run-'));
stops.push(() => rm(runDir, { recursive: true, force: true }));

async function shutdown(code: number): Promise<never> {
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ err }, 'stop failed'));
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'stopping');
    void shutdown(0);
  });
}

try {
  const services = await startDevServices({ say: (line) => log.info(line) });
  stops.push(() => services.stop());
  for (const line of services.description) log.info(line);
  const env = {
    ...process.env,
    MONGODB_URI: services.mongoUri,
    TEMPORAL_ADDRESS: services.temporalAddress,
    RACKPILOT_DEV_MODE: process.env.RACKPILOT_DEV_MODE ?? 'true',
  };
  const apiConfig = loadApiConfig(env);
  // API and worker share this process: the worker's queued jobs wake the API's site feeds at once.
  const queuedJobSignal = new QueuedJobSignal();
  const api = await startApi(apiConfig, createLogger('api', { level: apiConfig.logLevel }), { queuedJobSignal });
  stops.push(() => api.stop());
  const workerConfig = loadWorkerConfig(env);
  const worker = await startWorker(workerConfig, createLogger('worker', { level: workerConfig.logLevel }), {
    queuedJobSignal,
  });
  stops.push(() => worker.stop());
  const { organization, apiKey } = await bootstrapOrganization(api.container, {
    name: 'Rackpilot dev',
    allowAdditional: true,
  });

  if (flags['no-lab']) {
    log.info(`Rackpilot is up. API: ${api.url}  admin key: ${apiKey}  (Ctrl-C stops everything)`);
  } else if (flags.vm) {
    const datacenter = await startVmDemoDatacenter({
      container: api.container,
      apiUrl: api.url,
      orgId: organization.id,
      machines,
      dir: runDir,
      log,
    });
    stops.push(() => datacenter.stop());
    await waitForDiscovery(api.container, datacenter.assetIds, log, 600_000);
    log.info(
      `Rackpilot is up with ${machines} VMs (namespace ${datacenter.site.lab.labNetwork.netns}). API: ${api.url}  admin key: ${apiKey}  (Ctrl-C stops everything)`,
    );
  } else {
    const delays = flags.fast ? { post: 0, boot: 0, install: 0 } : { post: 1_000, boot: 2_000, install: 2_000 };
    const datacenter = await startDemoDatacenter({
      container: api.container,
      apiUrl: api.url,
      orgId: organization.id,
      machines,
      dir: runDir,
      delays,
      log,
    });
    stops.push(() => datacenter.stop());
    await waitForDiscovery(api.container, datacenter.assetIds, log);
    const devFile = join(process.cwd(), '.rackpilot', 'dev.json');
    await mkdir(join(process.cwd(), '.rackpilot'), { recursive: true });
    const dev = { apiUrl: api.url, apiKey, siteId: datacenter.siteId, lab: datacenter.lab.network };
    await writeFile(devFile, `${JSON.stringify(dev, null, 2)}\n`, { mode: 0o600 });
    printWelcome({ ...dev, assetIds: datacenter.assetIds, devFile });
  }
} catch (err) {
  log.error({ err }, 'start-up failed; stopping what was started');
  await shutdown(1);
}
