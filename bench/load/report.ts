import type { Sample } from './run-target.js';

/** A Markdown table with every column padded (first left-aligned, the rest right-aligned), as Prettier writes them. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The load columns every table shows, in {@link loadCells}' order. */
export const LOAD_HEADER = ['req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'timeouts (10 s)', 'answered / sent'];

/** req/s, p50, p99 (— when nothing was answered), non-2xx, timeouts, answered of sent. */
export function loadCells(s: Sample): string[] {
  const latency = (ms: number) => (s.total > 0 ? String(ms) : '—');
  return [
    String(Math.round(s.rps)),
    latency(s.p50),
    latency(s.p99),
    String(s.non2xx),
    String(s.timeouts),
    `${s.answered} / ${s.sent}`,
  ];
}

/** µs of CPU per answered request of process `name`, whole; `—` when not read or nothing was answered. */
export function cpuCell(s: Sample, name: string): string {
  const us = s.cpuUsPerRequest[name];
  return us === undefined || Number.isNaN(us) ? '—' : String(Math.round(us));
}

/** `met` or `not met` for a p99 target in ms, with the figure. */
export function verdict(s: Sample, targetMs: number, seconds: number): string {
  if (s.total === 0) return `not met (no request answered within the ${seconds} s run)`;
  return `${s.p99 < targetMs && s.timeouts === 0 ? 'met' : 'not met'} (p99 ${s.p99} ms)`;
}

/** `api 37 ms/s, worker 3 ms/s, …` */
export function rates(r: Record<string, number>): string {
  return Object.entries(r)
    .map(([name, ms]) => `${name} ${Math.round(ms)} ms/s`)
    .join(', ');
}
