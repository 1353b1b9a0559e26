// `npm run chaos`: the fault matrix. On the lab stack (database, Temporal, API, worker and agent
// each its own process), for each process and each operation (3-node cluster create, wipe,
// cluster delete), R runs that SIGKILL the process at a seeded random point of the operation,
// start it again and watch the workflow to its end. Prints one line per run and a table.
// Knobs: CHAOS_RUNS (5), CHAOS_PROCESSES (api,worker,agent,temporal,database), CHAOS_OPS
// (create,wipe,delete), CHAOS_SEED (random; printed), CHAOS_STALL_SECONDS (300),
// CHAOS_MACHINES (5), CHAOS_BOOT_TIMEOUT_SECONDS (120: the workflows' boot wait),
// CHAOS_KILL_AT_MS (pins every kill point, to replay one), CHAOS_EXTRAS (lossy-bmc,api-outage: a
// create with every BMC dropping CHAOS_BMC_DROP (0.3) of its packets each way, and one whose agent
// loses the API for CHAOS_OUTAGE_SECONDS (60) mid-job; empty for none).
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { PROCESS_NAMES, type ProcessName } from './processes.js';
import { runOp, assetStates, OP_NAMES, type OpName, type RunResult, type Fault } from './scenario.js';
import { startChaosStack } from './stack.js';
import { printMatrix, type MatrixRow } from './report.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a non-negative integer`);
    process.exit(2);
  }
  return value;
}

function listEnv<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...all];
  const items = raw.split(',').map((s) => s.trim()) as T[];
  const bad = items.filter((i) => !all.includes(i));
  if (bad.length) {
    console.error(`${name}: unknown ${bad.join(', ')} (one of ${all.join(', ')})`);
    process.exit(2);
  }
  return items;
}

/** mulberry32: a small seeded generator, so a printed seed replays the same kill points. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const runs = intEnv('CHAOS_RUNS', 5);
const processes = listEnv<ProcessName>('CHAOS_PROCESSES', PROCESS_NAMES);
const ops = listEnv<OpName>('CHAOS_OPS', OP_NAMES);
const seed = intEnv('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));
const stallMs = intEnv('CHAOS_STALL_SECONDS', 300) * 1000;
const machines = intEnv('CHAOS_MACHINES', 5);
const bootTimeout = intEnv('CHAOS_BOOT_TIMEOUT_SECONDS', 120);
const wanted = (process.env.CHAOS_EXTRAS ?? 'lossy-bmc,api-outage').split(',').filter(Boolean);
const bmcDropRate = Number(process.env.CHAOS_BMC_DROP ?? 0.3);
if (!(bmcDropRate >= 0 && bmcDropRate < 1)) throw new Error('CHAOS_BMC_DROP must be in [0, 1)');
const outageMs = intEnv('CHAOS_OUTAGE_SECONDS', 60) * 1000;
// The agent inherits the environment: the lossy-BMC figures depend on which IPMI client it runs.
const ipmiClient = process.env.RACKPILOT_AGENT_IPMI_CLIENT || 'ipmitool';
const random = seededRandom(seed);
const say = (line: string) => console.log(line);
const watch = { stallMs, say };

console.log(
  `fault matrix: CHAOS_SEED=${seed} CHAOS_RUNS=${runs} CHAOS_PROCESSES=${processes.join(',')} ` +
    `CHAOS_OPS=${ops.join(',')} CHAOS_STALL_SECONDS=${stallMs / 1000} CHAOS_MACHINES=${machines} ` +
    `CHAOS_BOOT_TIMEOUT_SECONDS=${bootTimeout} RACKPILOT_AGENT_IPMI_CLIENT=${ipmiClient}`,
);
const matrixStarted = Date.now();
// The outage's start, drawn first so it does not shift the kill points of the matrix.
const outageAt = 1_000 + Math.round(random() * 2_000);
const stack = await startChaosStack({ machines, env: { RACKPILOT_BOOT_TIMEOUT_SECONDS: String(bootTimeout) }, say });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    void stack.stop().then(() => process.exit(130));
  });
}

// Node IPs handed out in turn from a range no test uses, so a node left running by a failed run
// does not collide with the next cluster's.
// A failed cluster keeps its addresses until it is deleted (IP_IN_USE): skip those held by one.
let nextIp = 0;
async function takeIps(n: number): Promise<string[]> {
  const held = new Set<string>();
  for (let page = 1; ; page++) {
    const res = await stack.call('GET', `/api/v1/clusters?perPage=100&page=${page}`);
    const clusters = (res?.status === 200 ? res.body.clusters : []) as { status: string; nodes: { ip: string }[] }[];
    for (const c of clusters) if (c.status !== 'deleted') for (const node of c.nodes) held.add(node.ip);
    if (clusters.length < 100) break;
  }
  const ips: string[] = [];
  for (let tried = 0; ips.length < n && tried < 39; tried++) {
    const ip = `127.10.0.${130 + (nextIp++ % 39)}`;
    if (!held.has(ip)) ips.push(ip);
  }
  return ips;
}
let clusterCount = 0;

/** `n` available assets, after wiping assets left in error; undefined when there are not enough. */
async function takeAssets(n: number): Promise<string[] | undefined> {
  let states = await assetStates(stack, stack.assetIds);
  const inError = stack.assetIds.filter((_, i) => states[i] === 'error');
  if (states.filter((s) => s === 'available').length < n && inError.length > 0) {
    await followUp(inError);
    states = await assetStates(stack, stack.assetIds);
  }
  const free = stack.assetIds.filter((_, i) => states[i] === 'available');
  return free.length >= n ? free.slice(0, n) : undefined;
}

/**
 * The credentials check: an unfaulted wipe of each asset (available or error) of a run, which
 * must read its BMC credentials and drive its BMC. Returns each failure as `assetId: why`.
 */
async function followUp(assetIds: string[]): Promise<string[]> {
  const states = await assetStates(stack, assetIds);
  const wipeable = assetIds.filter((_, i) => states[i] === 'available' || states[i] === 'error');
  const results = await Promise.all(wipeable.map((id) => runOp(stack, 'wipe', { assetIds: [id] }, undefined, watch)));
  return results.flatMap((r) => (r.outcome === 'ok' ? [] : [`${r.assetIds[0]}: ${r.outcome} ${r.detail}`]));
}

async function createCluster(fault?: Fault): Promise<RunResult | undefined> {
  const assetIds = await takeAssets(3);
  if (!assetIds) return undefined;
  clusterCount += 1;
  return runOp(stack, 'create', { assetIds, ips: await takeIps(3), name: `chaos-${clusterCount}` }, fault, watch);
}

function selfExitCounts(): Record<string, number> {
  return Object.fromEntries(Object.entries(stack.processes).map(([name, p]) => [name, p?.selfExits ?? 0]));
}

// CHAOS_KILL_AT_MS pins every kill point (the random draws still happen, so downtimes replay).
const killAt = process.env.CHAOS_KILL_AT_MS ? intEnv('CHAOS_KILL_AT_MS', 0) : undefined;
const pick = (op: OpName, process: ProcessName): Fault => {
  const afterMs = Math.round(random() * 0.8 * baseline[op]);
  return { process, afterMs: killAt ?? afterMs, downMs: 1_000 + Math.round(random() * 4_000) };
};

/** After a stuck create, what an operator would do: delete the cluster (which cancels its run and wipes its nodes). */
async function recover(stuck: RunResult): Promise<void> {
  if (stuck.outcome !== 'stuck' || stuck.op !== 'create' || !stuck.clusterId) return;
  const r = await runOp(stack, 'delete', { assetIds: stuck.assetIds, clusterId: stuck.clusterId }, undefined, watch);
  line('  recovery: delete of the stuck cluster', r);
}

function line(label: string, r: RunResult): void {
  const f = r.fault
    ? `kill at ${(r.fault.afterMs / 1000).toFixed(1)} s, down ${(r.fault.downMs / 1000).toFixed(1)} s`
    : 'no fault';
  const extra = [
    r.killedAfterEnd ? 'killed after the end' : '',
    r.nonFinal.length ? `non-final ${r.nonFinal.join(' ')}` : '',
    r.secretsLost.length ? `LOST ${r.secretsLost.join('; ')}` : '',
  ].filter(Boolean);
  say(
    `  ${label}: ${f} → ${r.outcome} in ${(r.durationMs / 1000).toFixed(1)} s (${r.detail})${extra.length ? ` [${extra.join(', ')}]` : ''}`,
  );
}

// Baseline: one unfaulted run of each operation, whose durations bound the random kill points.
const baseline: Record<OpName, number> = { create: 10_000, wipe: 4_000, delete: 6_000 };
say('baseline (no fault):');
const base = await createCluster();
if (base?.outcome !== 'ok') throw new Error(`baseline create failed: ${base?.detail}`);
line('create', base);
baseline.create = base.durationMs;
const baseDelete = await runOp(
  stack,
  'delete',
  { assetIds: base.assetIds, clusterId: base.clusterId },
  undefined,
  watch,
);
line('delete', baseDelete);
baseline.delete = baseDelete.durationMs;
const baseWipe = await runOp(stack, 'wipe', { assetIds: [base.assetIds[0]!] }, undefined, watch);
line('wipe', baseWipe);
baseline.wipe = baseWipe.durationMs;
if (baseDelete.outcome !== 'ok' || baseWipe.outcome !== 'ok') throw new Error('baseline delete or wipe failed');

const results: (RunResult & { process: ProcessName; followUpFailed: string[] })[] = [];
const record = (proc: ProcessName, label: string, r: RunResult, followUpFailed: string[] = []) => {
  results.push({ ...r, process: proc, followUpFailed });
  line(label, r);
  for (const f of followUpFailed) say(`    follow-up wipe failed: ${f}`);
};

for (const proc of processes) {
  for (let run = 1; run <= runs && !stopping; run++) {
    say(`${proc} #${run}:`);
    const exitsBefore = selfExitCounts();
    let ready: RunResult | undefined;
    let created: RunResult | undefined;
    if (ops.includes('create')) {
      created = await createCluster(pick('create', proc));
      if (!created) say('  create: skipped, fewer than 3 assets available');
      else if (created.outcome === 'ok') ready = created;
      else if (created.outcome === 'stuck') {
        line(`create #${run}`, created);
        await recover(created);
      }
    }
    if (ops.includes('delete')) {
      if (!ready) {
        const setup = await createCluster();
        if (setup?.outcome === 'ok') ready = setup;
        else say(`  delete: skipped, its cluster did not come up (${setup?.detail ?? 'no assets'})`);
      }
      if (ready) {
        const deleted = await runOp(
          stack,
          'delete',
          { assetIds: ready.assetIds, clusterId: ready.clusterId },
          pick('delete', proc),
          watch,
        );
        const checks = await followUp(deleted.assetIds);
        if (created)
          record(proc, `create #${run}`, created, created === ready ? checks : await followUp(created.assetIds));
        record(proc, `delete #${run}`, deleted, checks);
      } else if (created) {
        record(proc, `create #${run}`, created, await followUp(created.assetIds));
      }
    } else if (created) {
      let checks: string[];
      if (ready) {
        const cleanup = await runOp(
          stack,
          'delete',
          { assetIds: ready.assetIds, clusterId: ready.clusterId },
          undefined,
          watch,
        );
        checks =
          cleanup.outcome === 'ok'
            ? await followUp(ready.assetIds)
            : [`cleanup delete ${cleanup.outcome}: ${cleanup.detail}`];
      } else checks = await followUp(created.assetIds);
      record(proc, `create #${run}`, created, checks);
    }
    if (ops.includes('wipe')) {
      const assetIds = await takeAssets(1);
      if (!assetIds) say('  wipe: skipped, no asset available');
      else {
        const wiped = await runOp(stack, 'wipe', { assetIds }, pick('wipe', proc), watch);
        record(proc, `wipe #${run}`, wiped, await followUp(assetIds));
      }
    }
    const exitsAfter = selfExitCounts();
    for (const [name, n] of Object.entries(exitsAfter))
      if (n > (exitsBefore[name] ?? 0)) say(`  ${name} exited on its own ${n - (exitsBefore[name] ?? 0)}× (restarted)`);
  }
}

// Beyond kills: a lossy BMC network, and a site that loses the API for a minute mid-job.
const extras: { scenario: string; result: RunResult }[] = [];
const extra = (scenario: string, r: RunResult) => {
  extras.push({ scenario, result: r });
  line(scenario, r);
};
if (wanted.includes('lossy-bmc') && !stopping) {
  say(`every BMC drops ${Math.round(bmcDropRate * 100)} % of its packets, each way:`);
  for (const server of stack.lab.servers) stack.lab.server(server.name).setFaults({ bmcDropRate });
  const created = await createCluster();
  if (created) {
    extra('lossy-bmc create', created);
    if (created.outcome === 'ok')
      extra(
        'lossy-bmc delete',
        await runOp(stack, 'delete', { assetIds: created.assetIds, clusterId: created.clusterId }, undefined, watch),
      );
  }
  for (const server of stack.lab.servers) stack.lab.server(server.name).setFaults({ bmcDropRate: 0 });
  if (created) await recover(created); // so the next scenario finds assets
}
if (wanted.includes('api-outage') && !stopping) {
  say(`the agent loses the API for ${outageMs / 1000} s, ${(outageAt / 1000).toFixed(1)} s into the create:`);
  const cut = (async () => {
    await new Promise((r) => setTimeout(r, outageAt));
    await stack.apiLink.cutOff();
    say('    agent ↔ API link cut');
    await new Promise((r) => setTimeout(r, outageMs));
    await stack.apiLink.restore();
    say('    agent ↔ API link restored');
  })();
  const created = await createCluster();
  await cut;
  if (created) {
    extra('api-outage create', created);
    if (created.outcome === 'ok') {
      const cleanup = await runOp(
        stack,
        'delete',
        { assetIds: created.assetIds, clusterId: created.clusterId },
        undefined,
        watch,
      );
      line('  cleanup delete', cleanup);
    }
  }
}

const rows: MatrixRow[] = [];
for (const proc of processes) {
  for (const op of ops) {
    const mine = results.filter((r) => r.process === proc && r.op === op);
    if (mine.length) rows.push({ process: proc, op, results: mine });
  }
}
const anomalies = [...results, ...extras.map((e) => e.result)].some(
  (r) => r.outcome !== 'ok' && r.outcome !== 'clean-failed',
);
printMatrix(rows, extras, {
  seed,
  baseline,
  selfExits: selfExitCounts(),
  wallMs: Date.now() - matrixStarted,
  command: `RACKPILOT_AGENT_IPMI_CLIENT=${ipmiClient} CHAOS_SEED=${seed} CHAOS_RUNS=${runs} CHAOS_PROCESSES=${processes.join(',')} CHAOS_OPS=${ops.join(',')} npm run chaos`,
});
// Logs and Temporal's SQLite stay behind when a run went wrong: `temporal server start-dev --db-filename` reads them.
await stack.stop({ keepDir: anomalies });
if (anomalies) say(`Logs and data kept in ${stack.dir}`);
process.exit(0);
