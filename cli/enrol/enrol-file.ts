/**
 * Reads the assets of `rackpilot assets enrol -f`: a CSV with one asset per row, or YAML/JSON
 * holding a list of `POST /api/v1/assets` bodies (or `{assets: [...]}`, the bulk body itself).
 * Pure: text in, bodies out; the API validates each body and reports per item.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../exit-codes.js';

export type EnrolFileKind = 'csv' | 'yaml';

/** CSV headers that stand for a field of `bmc` (and Colony's `ipmi` for the address). */
const ALIASES: Record<string, string> = {
  ipmi: 'bmc.address',
  address: 'bmc.address',
  port: 'bmc.port',
  username: 'bmc.username',
  password: 'bmc.password',
  driver: 'bmc.driver',
  cipherSuite: 'bmc.cipherSuite',
  site: 'siteId',
};
const NUMBERS = new Set(['bmc.port', 'bmc.cipherSuite']);
const BOOLEANS = new Set(['bmc.redfish.tls.insecure']);

/** The kind of a file by its name: `.csv` is CSV; `.yaml`, `.yml` and `.json` are YAML (JSON is YAML). */
export function enrolFileKind(path: string): EnrolFileKind {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(ya?ml|json)$/i.test(path)) return 'yaml';
  throw new UsageError(`${path}: name a .csv, .yaml, .yml or .json file`);
}

/** The asset bodies of a file; `siteId` fills in items that name none. Throws UsageError on unreadable input. */
export function parseEnrolFile(text: string, kind: EnrolFileKind, defaults: { siteId?: string } = {}): unknown[] {
  const items = kind === 'csv' ? csvItems(text) : yamlItems(text);
  if (items.length === 0) throw new UsageError('the file lists no assets');
  return items.map((item) =>
    defaults.siteId && typeof item === 'object' && item !== null && !('siteId' in item)
      ? { siteId: defaults.siteId, ...item }
      : item,
  );
}

function yamlItems(text: string): unknown[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(doc)) return doc;
  const assets = (doc as { assets?: unknown } | null)?.assets;
  if (Array.isArray(assets)) return assets;
  throw new UsageError('expected a list of assets, or {assets: [...]}');
}

function csvItems(text: string): Record<string, unknown>[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#', bom: true });
  } catch (err) {
    throw new UsageError(`not valid CSV: ${(err as Error).message}`);
  }
  return rows.map((row, i) => {
    const item: Record<string, unknown> = {};
    for (const [header, raw] of Object.entries(row)) {
      if (raw === '') continue;
      const path = ALIASES[header] ?? header;
      setPath(item, path, coerce(path, raw, i + 2));
    }
    return item;
  });
}

function coerce(path: string, raw: string, line: number): unknown {
  if (NUMBERS.has(path)) {
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new UsageError(`line ${line}: ${path} must be a whole number, not ${raw}`);
    return n;
  }
  if (BOOLEANS.has(path)) return /^(true|yes|1)$/i.test(raw);
  return raw;
}

/** Sets `a.b.c` in `target`, creating the objects on the way (`labels.rack` → `{labels: {rack}}`). */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (typeof next !== 'object' || next === null) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}

/** Splits `items` into bulk requests of at most `size` (the API's limit per request). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
