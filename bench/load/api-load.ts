/**
 * Part B: the API at 100 connections with no fleet to serve — authenticated `GET /api/v1/assets`
 * (a page of 50 of `assets` inserted assets, inventories in full), first one request at a time
 * (its own cost), and the public `/healthz`. Target: p99 < 20 ms for the list.
 */
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { cpuRates } from './cpu.js';
import { rest } from './fleet.js';
import { insertInventoryAssets } from './inventory-assets.js';
import { measure, watched, type BenchContext } from './measure.js';
import { LOAD_HEADER, cpuCell, loadCells, markdownTable, rates, verdict } from './report.js';
import type { Sample } from './run-target.js';

/** Measures part B and prints its table. */
export async function measureApiLoad(ctx: BenchContext, assets: number, connections: number): Promise<void> {
  const { stack, say } = ctx;
  const quiet = await cpuRates(watched(stack), 2_000);
  say(`B: inserting ${assets} assets`);
  const org = await bootstrapOrganization(stack.container, { name: 'bench-load-assets', allowAdditional: true });
  const site = await rest(stack.apiUrl, org.apiKey, 'POST', '/api/v1/sites', { name: 'inventory' });
  await insertInventoryAssets(stack.container, org.organization.id, String(site.id), assets);
  say('B: measuring');
  const list = { paths: ['/api/v1/assets?perPage=50'], key: org.apiKey };
  const listName = `GET /api/v1/assets?perPage=50 (${assets} assets)`;
  const rows: [string, number, Sample][] = [];
  // One request at a time first: the list's own cost, and the warm-up of the next row.
  rows.push([listName, 1, await measure(ctx, quiet, { ...list, connections: 1 })]);
  const loaded = await measure(ctx, quiet, { ...list, connections, warmUp: false });
  rows.push([listName, connections, loaded]);
  rows.push(['GET /healthz (public)', connections, await measure(ctx, quiet, { paths: ['/healthz'], connections })]);

  // Part A's workflows claim their assets with guarded updates, which read the whole `assets`
  // collection on FerretDB 1.x: these inventories would be read on every claim.
  await stack.container.repositories.assets.collection.deleteMany({ orgId: org.organization.id });

  console.log(`\nB. The API, ${ctx.seconds} s per row (no workflows running)\n`);
  console.log(
    markdownTable(
      ['target', 'connections', ...LOAD_HEADER, 'API CPU µs/req', 'FerretDB CPU µs/req'],
      rows.map(([name, c, s]) => [name, String(c), ...loadCells(s), cpuCell(s, 'api'), cpuCell(s, 'database')]),
    ),
  );
  console.log(`\nidle CPU before B (2 s): ${rates(quiet)}`);
  console.log(`target p99 < 20 ms for the list at ${connections} connections: ${verdict(loaded, 20, ctx.seconds)}`);
}
