// `npm run bench:vm`: discovery on the VM lab tier (issue 14) — real QEMU machines behind
// ipmi_sim BMCs PXE-booting the agent's utility OS over its own proxyDHCP/TFTP/HTTP in the lab's
// namespace, inventoried over real SSH. For each N in BENCH_VMS (default "1,2,4"): N VMs are
// enrolled by BMC and discovered; it prints the lab start, discovery of all, per-VM discovery p50 /
// max (enrolment → `available`, from the state-change events), the utility OS's own boot time
// (kernel start → dropbear up, from each console), and the machine CPU per VM. KVM when a guest
// really boots under it, else TCG (said in the header). Not a test: it measures. Needs root.
import { cpus } from 'node:os';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { benchEnv, endBench } from '../bench-env.js';
import { loadApiConfig } from '../../api/config.js';
import { startApi } from '../../api/server.js';
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { checkVmSupport } from '../../lab/vm/vm-support.js';
import { MAX_VM_MACHINES } from '../../lab/vm/vm-lab.js';
import { createLogger } from '../../shared/logger.js';
import { startVmDemoDatacenter } from '../../tools/dev/vm-datacenter.js';
import { startDevServices } from '../../tools/devservices/index.js';
import { loadWorkerConfig } from '../../workflows/worker/config.js';
import { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { startWorker } from '../../workflows/worker/worker.js';
import { machineBusyMs, percentile, seconds, watchStates } from '../provision/measure.js';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
const quiet = createLogger('bench', { level: 'silent' });
const sizes = (process.env.BENCH_VMS ?? '1,2,4').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_VM_MACHINES))
  throw new Error(`BENCH_VMS: counts between 1 and ${MAX_VM_MACHINES}, comma-separated`);

const support = await checkVmSupport();
if (!support.ok) {
  console.error(`bench:vm cannot run here: ${support.reason}`);
  process.exit(2);
}
console.log(`accelerator: ${support.accel} (${support.accelReason}); ${cpus().length} vCPUs`);

const services = await startDevServices({ say: () => undefined });
const env = benchEnv(services);
const jobSignal = { queuedJobSignal: new QueuedJobSignal() };
const api = await startApi(loadApiConfig(env), quiet, jobSignal);
const worker = await startWorker(loadWorkerConfig(env), quiet, jobSignal);
const { organization } = await bootstrapOrganization(api.container, { name: 'bench-vm' });

/** Kernel uptime when the utility OS had dropbear up, from the last boot in a console log. */
async function utilityBootSeconds(consoleLog: string): Promise<number> {
  const text = await readFile(consoleLog, 'latin1');
  const matches = [...text.matchAll(/rackpilot-utility: ssh: dropbear on port 22 \(up ([\d.]+)s\)/g)];
  return Number(matches.at(-1)?.[1] ?? NaN);
}

const rows: string[] = [];
for (const n of sizes) {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-bench-vm-'));
  const started = Date.now();
  const busyAtStart = machineBusyMs();
  const dc = await startVmDemoDatacenter({
    container: api.container,
    apiUrl: api.url,
    orgId: organization.id,
    machines: n,
    dir,
    log: quiet,
  });
  const enrolled = Date.now();
  let discoveredAt: Map<string, number>;
  try {
    discoveredAt = await watchStates(api.container.db, dc.assetIds, 'available', 20 * 60_000, async () => {
      const failed = (await Promise.all(dc.assetIds.map((id) => api.container.repositories.assets.get(id)))).filter(
        (a) => a.state === 'error',
      );
      if (failed.length > 0)
        throw new Error(
          `discovery failed: ${failed.map((a) => `${a._id}: ${a.lastError?.message ?? '?'}`).join('; ')}`,
        );
    });
  } catch (err) {
    await dc.stop();
    throw err;
  }
  const busy = machineBusyMs() - busyAtStart;
  const perVm = dc.assetIds.map((id) => (discoveredAt.get(id) as number) - enrolled);
  const boots = await Promise.all(dc.site.lab.servers.map((s) => utilityBootSeconds(dc.site.lab.consoleLog(s.name))));
  rows.push(
    [
      `| ${n}`,
      seconds(enrolled - started),
      seconds(Math.max(...perVm)),
      `${seconds(percentile(perVm, 50))} / ${seconds(Math.max(...perVm))}`,
      `${percentile(boots, 50).toFixed(1)} s`,
      `${seconds(busy / n)} |`,
    ].join(' | '),
  );
  console.log(rows.at(-1));
  await dc.stop();
  await rm(dir, { recursive: true, force: true });
}

await endBench(
  [
    'VMs',
    'lab + agent start',
    'discovery: all',
    'per VM p50 / max',
    'utility OS boot (kernel → sshd) p50',
    `machine CPU per VM (${cpus().length} vCPUs)`,
  ],
  rows,
  { worker, api, services },
);
