// `npm run bench:load`: the API under load, in one run (issue 18, "Load").
// A. `GET /api/v1/workflows/{id}` — the status poll clients use — over BENCH_WORKFLOWS (200) real
//    discovery workflows that run on the real worker, each waiting on its agent job (fleet.ts),
//    at 32 and 100 connections. Target: p99 < 50 ms.
// B. Authenticated `GET /api/v1/assets` (a page of 50 of BENCH_ASSETS, 1000, inventories in full)
//    and the public `/healthz`, at 100 connections. Target: p99 < 20 ms for the list.
// autocannon runs in a child process; the API and the worker are processes of their own, so the
// CPU per request of each is read from /proc. Loopback only. Knobs: BENCH_SECONDS (5) per row,
// BENCH_JOB_HEARTBEAT_SECONDS (5) of the fleet's agents.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSY_LOAD, machineLoad } from '../bench-env.js';
import { measureApiLoad } from './api-load.js';
import { stopCannon } from './run-target.js';
import { LIFTED_RATE_LIMITS, startLoadStack } from './stack.js';
import { measureWorkflowPolls } from './workflow-polls.js';

function knob(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}
const SECONDS = knob('BENCH_SECONDS', 5);
const WORKFLOWS = knob('BENCH_WORKFLOWS', 200);
const ASSETS = knob('BENCH_ASSETS', 1000);
// The agent's RACKPILOT_AGENT_JOB_HEARTBEAT_SECONDS (1–15, default 5): the fleet's own load on the API.
const JOB_HEARTBEAT_SECONDS = knob('BENCH_JOB_HEARTBEAT_SECONDS', 5);
// A job not heartbeated for 30 s (the agent activities' heartbeat timeout, counted from when it
// was queued) is withdrawn: at 25 s a loaded run already lost some.
if (JOB_HEARTBEAT_SECONDS > 20) throw new Error('BENCH_JOB_HEARTBEAT_SECONDS must be at most 20');
const POLL_CONNECTIONS = [32, 100];
const API_CONNECTIONS = 100;

const say = (line: string) => process.stderr.write(`${line}\n`);
const { load1, busy } = machineLoad();
const machine = `${cpus().length} vCPUs, Node ${process.version}`;
console.log(`bench:load — ${machine}; load average (1 min) before the run: ${load1.toFixed(2)}`);
if (busy)
  console.log(`machine busy: load average ${load1.toFixed(2)} ≥ ${BUSY_LOAD}, figures are not comparable`);
console.log(
  `per-key rate limits lifted for the run (${Object.entries(LIFTED_RATE_LIMITS)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}): no 429 hides a figure`,
);

const dir = await mkdtemp(join(tmpdir(), 'rackpilot-bench-load-'));
const stops: (() => Promise<void>)[] = [];
let keepLogs = false;
let interrupted = false;
let cleaning: Promise<void> | undefined;
/** Stops everything this run started, newest first; once, whether the run ended, failed or was interrupted. */
const cleanup = () =>
  (cleaning ??= (async () => {
    stopCannon();
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => say(`stop failed: ${String(err)}`));
    if (keepLogs) say(`logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  })());
// Ctrl-C reaches this process twice (from the terminal, and relayed by tsx): a handler that is
// gone after the first would let the second kill it mid-cleanup, orphaning the children. The
// third signal ends it at once; the exit hook of managed-process.ts SIGKILLs what it started.
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 2) process.exit(130);
    if (interrupted) return;
    say(`${signal}: stopping what bench:load started`);
    interrupted = true;
    keepLogs = true;
    process.exitCode = 130;
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  const stack = await startLoadStack(dir, stops);
  const ctx = { stack, seconds: SECONDS, say };
  // B first, on an API with no workflows to serve; each part prints its table when it is done.
  await measureApiLoad(ctx, ASSETS, API_CONNECTIONS);
  await measureWorkflowPolls(
    ctx,
    { count: WORKFLOWS, jobHeartbeatSeconds: JOB_HEARTBEAT_SECONDS },
    POLL_CONNECTIONS,
    stops,
  );
  console.log(`\nload average (1 min) at the end, this run included: ${(loadavg()[0] ?? 0).toFixed(2)}`);
} catch (err) {
  keepLogs = true;
  // Interrupted: what fails next is the stack going away under the run.
  if (!interrupted) {
    process.exitCode = 1;
    say(`bench:load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
} finally {
  await cleanup();
}
// Idle keep-alive sockets and the like must not keep a finished bench alive.
process.exit(process.exitCode ?? 0);
