/** The fault matrix's table: one row per killed process and operation, then one per process. */
import type { ProcessName } from './processes.js';
import type { OpName, RunResult } from './scenario.js';

/** The runs of one process and operation. */
export interface MatrixRow {
  process: ProcessName;
  op: OpName | 'all';
  results: (RunResult & { followUpFailed: string[] })[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

const HEADER = [
  'killed',
  'operation',
  'runs',
  'ready / completed',
  'cleanly failed',
  'failed, not compensated',
  'stuck',
  'not started',
  'assets left non-final',
  'secrets lost',
  'follow-up wipe failed',
  'kill points',
  'duration p50 / max',
];

function cells(row: MatrixRow): string[] {
  const r = row.results;
  const count = (o: RunResult['outcome']) => r.filter((x) => x.outcome === o).length;
  const durations = r.filter((x) => x.outcome !== 'not-started').map((x) => x.durationMs);
  const kills = r.flatMap((x) => (x.fault ? [x.fault.afterMs] : []));
  return [
    row.process,
    row.op,
    String(r.length),
    String(count('ok')),
    String(count('clean-failed')),
    String(count('dirty-failed')),
    String(count('stuck')),
    String(count('not-started')),
    String(r.reduce((n, x) => n + x.nonFinal.length, 0)),
    String(r.filter((x) => x.secretsLost.length > 0).length),
    String(r.filter((x) => x.followUpFailed.length > 0).length),
    kills.length ? `${seconds(Math.min(...kills))}–${seconds(Math.max(...kills))}` : '—',
    durations.length ? `${seconds(median(durations))} / ${seconds(Math.max(...durations))}` : '—',
  ];
}

/** Prints the matrix as Markdown, with the line that reproduces it. */
export function printMatrix(
  rows: MatrixRow[],
  extras: { scenario: string; result: RunResult }[],
  info: {
    seed: number;
    command: string;
    baseline: Record<OpName, number>;
    selfExits: Record<string, number>;
    wallMs: number;
  },
): void {
  const byProcess = [...new Set(rows.map((r) => r.process))].map((process) => ({
    process,
    op: 'all' as const,
    results: rows.filter((r) => r.process === process).flatMap((r) => r.results),
  }));
  const all = [...rows, ...(rows.length > byProcess.length ? byProcess : [])];
  const results = rows.flatMap((r) => r.results);
  const good = results.filter((x) => x.outcome === 'ok' || x.outcome === 'clean-failed').length;
  const lines = [
    '',
    `Reproduce: ${info.command}`,
    `Baseline (no fault): create ${seconds(info.baseline.create)}, delete ${seconds(info.baseline.delete)}, wipe ${seconds(info.baseline.wipe)}; ` +
      `kill points are uniform in [0, 0.8 × baseline) of the operation, downtime 1–5 s.`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
    ...all.map((row) => `| ${cells(row).join(' | ')} |`),
    '',
    `Ready-or-clean-failed: ${good} of ${results.length} (${results.length ? Math.round((100 * good) / results.length) : 0} %); ` +
      `stuck: ${results.filter((x) => x.outcome === 'stuck').length}; ` +
      `secrets lost: ${results.filter((x) => x.secretsLost.length > 0).length}. ` +
      `Processes that exited on their own (restarted by the matrix): ${
        Object.entries(info.selfExits)
          .filter(([, n]) => n > 0)
          .map(([name, n]) => `${name} ×${n}`)
          .join(', ') || 'none'
      }. Wall time ${seconds(info.wallMs)}.`,
  ];
  if (extras.length) {
    lines.push('', '| scenario | outcome | duration | detail |', '|---|---|---:|---|');
    for (const { scenario, result } of extras)
      lines.push(`| ${scenario} | ${result.outcome} | ${seconds(result.durationMs)} | ${result.detail} |`);
  }
  console.log(lines.join('\n'));
  const bad = results.filter((x) => x.outcome !== 'ok' && x.outcome !== 'clean-failed');
  if (bad.length) {
    console.log('\nRuns that did not end ready or cleanly failed:');
    for (const x of bad)
      console.log(
        `- ${x.fault?.process ?? '—'} ${x.op} ${x.workflowId ?? ''}: ${x.outcome}: ${x.detail} ${x.nonFinal.join(' ')}`,
      );
  }
}
