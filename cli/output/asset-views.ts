import type { Asset, BulkEnrolment } from '../../client/resources.js';
import { bytes, detailTable, listTable, sections, shortTime, type Column } from './table.js';

const ASSET_COLUMNS: Column<Asset>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'HOSTNAME', value: (a) => a.hostname },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'BMC', value: (a) => `${a.bmc.driver} ${a.bmc.address}:${a.bmc.port}` },
  { header: 'CPU', value: (a) => a.specs?.cpu },
  { header: 'RAM', value: (a) => a.specs?.ram },
  { header: 'DISK', value: (a) => a.specs?.disk },
  { header: 'CLUSTER', value: (a) => a.clusterId },
  { header: 'SITE', value: (a) => a.siteId },
];

/** `assets ls` as a table. */
export function assetList(body: { assets: Asset[]; total: number; page: number; perPage: number }): string {
  return withPaging(listTable(body.assets, ASSET_COLUMNS), body.assets.length, body);
}

/** `assets get` as a table: the asset, its disks (serial/WWN: what installs and wipes go by), NICs, last error. */
export function assetDetail(a: Asset): string {
  const inv = a.inventory;
  return sections(
    [
      null,
      detailTable([
        ['ID', a.id],
        ['Hostname', a.hostname],
        ['Status', a.status],
        ['Site', a.siteId],
        ['Cluster', a.clusterId],
        ['BMC', `${a.bmc.driver} ${a.bmc.address}:${a.bmc.port} (user ${a.bmc.username})`],
        ['Boot method', a.bootMethod],
        [
          'Labels',
          Object.entries(a.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
        ],
        ['CPU', inv ? `${inv.cpu.model} (${inv.cpu.cores} cores, ${inv.cpu.threads} threads)` : a.specs?.cpu],
        ['Memory', inv ? bytes(inv.memory.totalBytes, true) : a.specs?.ram],
        ['Workflow', a.workflowId],
        ['Updated', shortTime(a.updatedAt)],
      ]),
    ],
    inv
      ? [
          'Disks',
          listTable(inv.disks, [
            { header: 'PATH', value: (d) => d.path },
            { header: 'SIZE', value: (d) => bytes(d.sizeBytes) },
            { header: 'MODEL', value: (d) => d.model },
            { header: 'SERIAL', value: (d) => d.serial },
            { header: 'WWN', value: (d) => d.wwn },
            { header: 'TYPE', value: (d) => (d.rotational ? 'hdd' : 'ssd') },
          ]),
        ]
      : null,
    inv
      ? [
          'NICs',
          listTable(inv.nics, [
            { header: 'NAME', value: (n) => n.name },
            { header: 'MAC', value: (n) => n.mac },
            { header: 'STATE', value: (n) => n.state },
          ]),
        ]
      : null,
    a.lastError
      ? [
          'Last error',
          detailTable([
            ['Step', a.lastError.step],
            ['Reason', a.lastError.reason],
            ['Message', a.lastError.message],
            ['Workflow', a.lastError.workflowId],
          ]),
        ]
      : null,
  );
}

/** `assets enrol -f` as a table: one line per item, in order. */
export function bulkResult(body: BulkEnrolment): string {
  const table = listTable(body.results, [
    { header: 'ITEM', value: (r) => r.index + 1 },
    { header: 'RESULT', value: (r) => r.status },
    { header: 'ASSET', value: (r) => r.asset?.id },
    { header: 'BMC', value: (r) => r.asset?.bmc.address },
    { header: 'WORKFLOW', value: (r) => r.asset?.workflowId },
    { header: 'ERROR', value: (r) => (r.error ? `${r.error.code}: ${describeProblem(r.error)}` : null) },
  ]);
  return `${table}\n\n${body.created} enrolled, ${body.failed} not`;
}

/** The message of an error body, with the first offending field when it names one. */
function describeProblem(error: { error: string; details: unknown }): string {
  const fields = (error.details as { fields?: { field: string; message: string }[] } | null)?.fields;
  const first = fields?.[0];
  return first
    ? `${first.field}: ${first.message}${fields.length > 1 ? ` (+${fields.length - 1} more)` : ''}`
    : error.error;
}

/** Adds `showing N of TOTAL` under a list that is one page of more. */
export function withPaging(
  table: string,
  shown: number,
  body: { total: number; page: number; perPage: number },
): string {
  return body.total > shown
    ? `${table}\n\nshowing ${shown} of ${body.total} (page ${body.page}, --page/--per-page)`
    : table;
}
