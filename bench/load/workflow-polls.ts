/**
 * Part A: `GET /api/v1/workflows/{id}`, the status poll clients use, over the ids of a running
 * fleet (fleet.ts) in turn, at each of `connections`. Target: p99 < 50 ms.
 */
import { cpuRates } from './cpu.js';
import { startFleet } from './fleet.js';
import { measure, watched, type BenchContext } from './measure.js';
import { LOAD_HEADER, cpuCell, loadCells, markdownTable, rates, verdict } from './report.js';
import type { Sample } from './run-target.js';

const CPU_NAMES = ['api', 'worker', 'temporal', 'database'];
const CPU_HEADER = ['API', 'worker', 'Temporal', 'FerretDB'].map((n) => `${n} CPU µs/req`);

/** Starts `count` workflows, measures part A and prints its table. */
export async function measureWorkflowPolls(
  ctx: BenchContext,
  fleetOptions: { count: number; jobHeartbeatSeconds: number },
  connections: number[],
  stops: (() => Promise<void>)[],
): Promise<void> {
  const { stack, say } = ctx;
  const { count, jobHeartbeatSeconds } = fleetOptions;
  say(`A: starting ${count} discovery workflows`);
  const fleet = await startFleet(
    stack.container,
    stack.apiUrl,
    count,
    { ownTemporal: !process.env.TEMPORAL_ADDRESS, jobHeartbeatMs: jobHeartbeatSeconds * 1000 },
    stops,
  );
  const ids = fleet.workflowIds.filter((id) => !fleet.ended.has(id));
  if (ids.length === 0) throw new Error(`every one of ${count} workflows ended before its agent job`);
  say(
    `A: ${ids.length} of ${count} at their agent job in ${fleet.startSeconds.toFixed(1)} s ` +
      `(${fleet.enrolRetries} enrolments retried after a 5xx)`,
  );
  // Over one job-heartbeat interval at least, so every held job's heartbeat is in the sample.
  const backgroundMs = Math.max(3_000, jobHeartbeatSeconds * 1000);
  const background = await cpuRates(watched(stack), backgroundMs);
  // The running ones: a finished workflow's poll is an index read alone.
  const paths = ids.map((id) => `/api/v1/workflows/${id}`);
  const polls: [number, Sample][] = [];
  for (const c of connections) {
    say(`A: polling at ${c} connections`);
    polls.push([c, await measure(ctx, background, { paths, key: fleet.apiKey, connections: c })]);
  }
  const running = await fleet.countRunning();
  const sum = (pick: (a: (typeof fleet.agents)[number]) => number) => fleet.agents.reduce((n, a) => n + pick(a), 0);

  console.log(
    `\nA. GET /api/v1/workflows/{id} over ${ids.length} running discovery workflows (their ids in turn), ` +
      `${ctx.seconds} s per row after a 1 s warm-up; agents heartbeat each job every ${jobHeartbeatSeconds} s\n`,
  );
  console.log(
    markdownTable(
      ['connections', ...LOAD_HEADER, '≥ 1 s', ...CPU_HEADER],
      polls.map(([c, s]) => [String(c), ...loadCells(s), String(s.slow), ...CPU_NAMES.map((n) => cpuCell(s, n))]),
    ),
  );
  const reasons = [...fleet.ended.values()];
  const ended = [...new Set(reasons)].map((why) => `${why} ×${reasons.filter((w) => w === why).length}`);
  console.log(
    `\n${count} enrolled (${fleet.enrolRetries} enrolments retried after a 5xx), ${ids.length} at their agent job ` +
      `in ${fleet.startSeconds.toFixed(1)} s` +
      (ended.length > 0 ? `, ${reasons.length} ended before it (${ended.join(', ')})` : ''),
  );
  console.log(
    `after the polls: ${running} running (index), ${sum((a) => a.jobsHeld)} agent jobs held; ` +
      `job heartbeats refused ${sum((a) => a.refusedHeartbeats)}, failed ${sum((a) => a.failedHeartbeats)}`,
  );
  console.log('≥ 1 s: answers that took 1 s or more (the live progress query gives up at 1 s; the index answers)');
  console.log(
    `background CPU with the fleet and no polls (${backgroundMs / 1000} s): ${rates(background)}; inside the CPU figures above`,
  );
  for (const [c, s] of polls) console.log(`target p99 < 50 ms at ${c} connections: ${verdict(s, 50, ctx.seconds)}`);
}
