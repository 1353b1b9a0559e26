import type { ApiKey, IssuedApiKey, Site, Workflow } from '../../client/resources.js';
import { withPaging } from './asset-views.js';
import { detailTable, duration, listTable, sections, shortTime } from './table.js';

type Page = { total: number; page: number; perPage: number };

/** `workflows ls` as a table. */
export function workflowList(body: { workflows: Workflow[] } & Page): string {
  const table = listTable(body.workflows, [
    { header: 'ID', value: (w) => w.id },
    { header: 'TYPE', value: (w) => w.type },
    { header: 'STATUS', value: (w) => w.status },
    { header: 'PROGRESS', value: (w) => `${Math.round(w.progress)}%` },
    { header: 'STEP', value: (w) => w.currentStep },
    { header: 'TARGET', value: (w) => w.target.clusterId ?? w.target.assetId },
    { header: 'STARTED', value: (w) => shortTime(w.startedAt) },
    { header: 'DURATION', value: (w) => duration(w.durationMs) },
  ]);
  return withPaging(table, body.workflows.length, body);
}

/** `workflows get` as a table: the run, its steps with timings and failures, recent logs. */
export function workflowDetail(w: Workflow): string {
  return sections(
    [
      null,
      detailTable([
        ['ID', w.id],
        ['Type', w.type],
        ['Status', w.status],
        ['Progress', `${Math.round(w.progress)}%`],
        ['Current step', w.currentStep],
        ['Asset', w.target.assetId],
        ['Cluster', w.target.clusterId],
        ['Started', shortTime(w.startedAt)],
        ['Duration', duration(w.durationMs)],
      ]),
    ],
    [
      'Steps',
      listTable(w.steps, [
        { header: 'STEP', value: (s) => s.name },
        { header: 'STATUS', value: (s) => s.status },
        { header: 'DURATION', value: (s) => duration(s.durationMs) },
        { header: 'ERROR', value: (s) => (s.error ? `${s.error.reason}: ${s.error.message}` : null) },
      ]),
    ],
    w.error
      ? [
          'Error',
          detailTable([
            ['Step', w.error.step],
            ['Reason', w.error.reason],
            ['Message', w.error.message],
          ]),
        ]
      : null,
  );
}

/** `sites` as a table, with each agent online or offline. */
export function siteList(body: { sites: Site[] } & Page): string {
  const table = listTable(body.sites, [
    { header: 'ID', value: (s) => s.id },
    { header: 'NAME', value: (s) => s.name },
    { header: 'AGENT', value: (s) => (!s.enrolled ? 'not enrolled' : s.agent.online ? 'online' : 'offline') },
    { header: 'LAST SEEN', value: (s) => shortTime(s.agent.lastSeenAt) },
    { header: 'VERSION', value: (s) => s.agent.version },
    { header: 'DESCRIPTION', value: (s) => s.description },
  ]);
  return withPaging(table, body.sites.length, body);
}

/** `sites get` as a table. */
export function siteDetail(s: Site): string {
  return detailTable([
    ['ID', s.id],
    ['Name', s.name],
    ['Description', s.description],
    ['Agent', !s.enrolled ? 'not enrolled' : s.agent.online ? 'online' : 'offline'],
    ['Last seen', shortTime(s.agent.lastSeenAt)],
    ['Version', s.agent.version],
    ['Capabilities', s.agent.capabilities.join(', ')],
    ['Boot server', s.agent.bootServerUrl],
  ]);
}

/** `keys ls` as a table (keys masked, as the API sends them). */
export function keyList(body: { apiKeys: ApiKey[] } & Page): string {
  const table = listTable(body.apiKeys, [
    { header: 'ID', value: (k) => k.id },
    { header: 'NAME', value: (k) => k.name },
    { header: 'ROLE', value: (k) => k.role },
    { header: 'STATUS', value: (k) => k.status },
    { header: 'KEY', value: (k) => k.maskedKey },
    { header: 'LAST USED', value: (k) => shortTime(k.lastUsedAt) },
    { header: 'CREATED', value: (k) => shortTime(k.createdAt) },
  ]);
  return withPaging(table, body.apiKeys.length, body);
}

/** One key; an issued one (create, rotate) with its full secret and the warning that it is shown once. */
export function keyDetail(k: ApiKey | IssuedApiKey): string {
  const issued = 'key' in k ? k.key : undefined;
  return sections(
    [
      null,
      detailTable([
        ['ID', k.id],
        ['Name', k.name],
        ['Role', k.role],
        ['Site', k.siteId],
        ['Status', k.status],
        ['Key', issued ?? k.maskedKey],
        ['Previous secret valid until', shortTime(k.previousSecretValidUntil)],
        ['Revoked', shortTime(k.revokedAt)],
      ]),
    ],
    issued ? [null, 'The key is shown only now: store it.'] : null,
  );
}
