import Table from 'cli-table3';

/** One column of a list: its header and how a row shows in it. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

// Borderless, kubectl-like: columns separated by spaces, nothing to strip when piped to awk or cut.
const PLAIN = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '   ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

/** Text of a cell: `-` for nothing. */
export function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

/** Renders rows as a table with a header line; `(none)` when there are no rows. */
export function listTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)';
  const table = new Table({ ...PLAIN, head: columns.map((c) => c.header) });
  for (const row of rows) table.push(columns.map((c) => cell(c.value(row))));
  return trimLines(table.toString());
}

/** Renders `label: value` pairs as two aligned columns. */
export function detailTable(
  pairs: readonly (readonly [string, string | number | boolean | null | undefined])[],
): string {
  const table = new Table(PLAIN);
  for (const [label, value] of pairs) table.push([`${label}:`, cell(value)]);
  return trimLines(table.toString());
}

/** Joins sections with a blank line, each optionally under a title. */
export function sections(...parts: (readonly [title: string | null, body: string] | null)[]): string {
  return parts
    .filter((p): p is readonly [string | null, string] => p !== null)
    .map(([title, body]) => (title ? `${title}\n${indent(body)}` : body))
    .join('\n\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** `2026-12-07T07:50:04.123Z` → `2026-12-07 07:50:04`; `-` for null. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '-';
}

/** Milliseconds as `850ms`, `12.3s`, `4m05s`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.floor(ms / 1_000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Bytes as `480 GB` (decimal, as disk vendors label them) or, `binary`, `128 GiB` (as memory is sized). */
export function bytes(n: number, binary = false): string {
  const step = binary ? 1024 : 1000;
  const units = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] : ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = 0;
  while (value >= step && unit < units.length - 1) {
    value /= step;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
