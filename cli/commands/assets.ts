import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { unwrap } from '../../client/rackpilot-client.js';
import { ASSET_STATES, type AssetState } from '../../shared/asset-state.js';
import type { BulkEnrolment, CreateAssetBody, ProvisionAssetBody } from '../../client/resources.js';
import type { CliContext } from '../context.js';
import { ActionFailedError, ApiFailedItemsError, UsageError } from '../exit-codes.js';
import { chunks, enrolFileKind, parseEnrolFile } from '../enrol/enrol-file.js';
import { assetDetail, assetList, bulkResult } from '../output/asset-views.js';
import { clusterPlan } from '../output/cluster-views.js';
import type { OutputFormat } from '../output/format.js';
import { collect, defined, keyValues, pagingQuery, positiveInt, withOutput, withPaging, withWait } from './options.js';
import { followWorkflow } from './long-action.js';
import { provisionBody, type ProvisionFlags } from './provision-body.js';
import { readBodyFile } from './read-body-file.js';

/** The API's limit of items per `POST /api/v1/assets:bulk`. */
const BULK_MAX = 100;

type ListFlags = {
  output: OutputFormat;
  status?: AssetState;
  site?: string;
  cluster?: string;
  label: string[];
} & Parameters<typeof pagingQuery>[0];

type EnrolFlags = {
  output: OutputFormat;
  file?: string;
  site?: string;
  bmcAddress?: string;
  bmcUsername?: string;
  bmcPassword?: string;
  bmcDriver?: 'ipmi' | 'redfish' | 'detect';
  bmcPort?: number;
  cipherSuite?: number;
  hostname?: string;
  label: string[];
  bootMethod?: 'pxe' | 'virtual-media';
};

/** `rackpilot assets ls|get|enrol|provision|wipe`. */
export function assetsCommand(program: Command, ctx: CliContext): void {
  const assets = program.command('assets').description('bare-metal servers, by their BMC');

  withPaging(withOutput(assets.command('ls').description('list assets')))
    .addOption(new Option('--status <status>', 'only assets in this state').choices(ASSET_STATES))
    .option('--site <siteId>', 'only assets of this site')
    .option('--cluster <clusterId>', 'only the nodes of this cluster')
    .option('--label <key=value>', 'only assets with this label (repeatable)', collect, [])
    .action(async (options: ListFlags) => {
      const client = await ctx.client();
      const pairs = Object.entries(keyValues(options.label, '--label'));
      const labels = pairs.length > 0 ? pairs.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
      const query = {
        ...pagingQuery(options),
        ...defined({ status: options.status, siteId: options.site, clusterId: options.cluster, label: labels }),
      };
      ctx.print(await unwrap(client.GET('/api/v1/assets', { params: { query } })), options.output, assetList);
    });

  withOutput(
    assets.command('get').description('one asset with its inventory').argument('<id>', 'asset id (ast_…)'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const client = await ctx.client();
    ctx.print(
      await unwrap(client.GET('/api/v1/assets/{id}', { params: { path: { id } } })),
      options.output,
      assetDetail,
    );
  });

  withOutput(
    assets
      .command('enrol')
      .alias('enroll')
      .description('enrol one asset by its BMC, or many from a CSV or YAML file (-f); each starts discovery')
      .option(
        '-f, --file <path>',
        'assets to enrol: .csv (one per row, headers siteId, bmc.address, …) or .yaml/.json list',
      )
      .option('--site <siteId>', 'the site whose agent reaches the BMC (the default for file items without one)')
      .option('--bmc-address <address>', 'BMC IP address or host name')
      .option('--bmc-username <user>', 'BMC user')
      .option('--bmc-password <password>', 'BMC password (stored encrypted; never shown again)')
      .addOption(
        new Option('--bmc-driver <driver>', 'BMC protocol (default detect)').choices(['ipmi', 'redfish', 'detect']),
      )
      .option('--bmc-port <port>', 'BMC port', positiveInt('--bmc-port'))
      .option('--cipher-suite <n>', 'IPMI cipher suite', (t) => Number(t))
      .option('--hostname <name>', 'host name')
      .option('--label <key=value>', 'a label (repeatable)', collect, [])
      .addOption(new Option('--boot-method <method>', 'how the machine boots').choices(['pxe', 'virtual-media'])),
  ).action(async (options: EnrolFlags) => {
    if (options.file) return enrolFromFile(ctx, options.file, options);
    const client = await ctx.client();
    const created = await unwrap(client.POST('/api/v1/assets', { body: enrolBody(options) }));
    ctx.print(
      created,
      options.output,
      (a) => `${assetDetail(a)}\n\nDiscovery started: rackpilot workflows watch ${a.workflowId}`,
    );
  });

  withWait(
    withOutput(
      assets
        .command('provision')
        .description('install Talos on an available asset (a standalone single-node cluster)')
        .argument('<id>', 'asset id (ast_…)')
        .option('-f, --file <path>', 'the provision body as YAML/JSON (flags override its fields)')
        .option('--ip <ip>', 'the static IPv4 address of the machine')
        .option('--subnet <prefix>', 'prefix length, e.g. 24')
        .option('--gateway <ip>', 'the default gateway')
        .option('--hostname <name>', 'host name')
        .option('--name <name>', 'name of the single-node cluster')
        .option('--install-disk <disk>', '/dev/…, wwn:<wwn> or serial:<serial> (default: first non-rotational disk)')
        .option('--talos-version <v>', 'Talos version, e.g. v1.10.6')
        .option('--kubernetes-version <v>', 'Kubernetes version, e.g. 1.33.3')
        .option('--dry-run', 'show the plan and every problem; change nothing'),
    ),
  ).action(
    async (
      id: string,
      options: ProvisionFlags & { output: OutputFormat; wait: boolean; dryRun?: boolean; file?: string },
    ) => {
      const client = await ctx.client();
      const fromFile = options.file ? await readBodyFile(options.file) : {};
      const body = provisionBody(fromFile, options) as ProvisionAssetBody;
      const path = { id };
      if (options.dryRun) {
        const plan = await unwrap(
          client.POST('/api/v1/assets/{id}/provision', { params: { path, query: { dryRun: 'true' } }, body }),
        );
        return printPlan(ctx, plan as Parameters<typeof clusterPlan>[0], options.output);
      }
      const accepted = await unwrap(client.POST('/api/v1/assets/{id}/provision', { params: { path }, body }));
      const done = await followWorkflow(ctx, accepted as { workflowId: string; clusterId: string }, options);
      if (done) {
        const asset = await unwrap(client.GET('/api/v1/assets/{id}', { params: { path } }));
        const clusterId = (accepted as { clusterId: string }).clusterId;
        ctx.print(
          asset,
          options.output,
          (a) => `${assetDetail(a)}\n\nKubeconfig: rackpilot clusters kubeconfig ${clusterId} -o kubeconfig`,
        );
      }
    },
  );

  withWait(
    withOutput(
      assets
        .command('wipe')
        .description("erase the asset's disks and verify them (disk-wipe workflow)")
        .argument('<id>', 'asset id (ast_…)')
        .addOption(
          new Option('--mode <mode>', 'quick (discard/zero heads and tails) or secure (full erase)')
            .choices(['quick', 'secure'])
            .makeOptionMandatory(),
        ),
    ),
  ).action(async (id: string, options: { output: OutputFormat; wait: boolean; mode: 'quick' | 'secure' }) => {
    const client = await ctx.client();
    const path = { id };
    const accepted = await unwrap(
      client.POST('/api/v1/assets/{id}/wipe', { params: { path }, body: { mode: options.mode } }),
    );
    if (await followWorkflow(ctx, accepted, options)) {
      ctx.print(await unwrap(client.GET('/api/v1/assets/{id}', { params: { path } })), options.output, assetDetail);
    }
  });
}

/** The body of a single enrolment from its flags. Throws UsageError naming the missing flags. */
export function enrolBody(options: EnrolFlags): CreateAssetBody {
  const missing = (['site', 'bmcAddress', 'bmcUsername', 'bmcPassword'] as const).filter((k) => !options[k]);
  if (missing.length > 0) {
    const flags = missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(`enrol needs ${flags.join(', ')} (or -f with a file of assets)`);
  }
  const labels = keyValues(options.label, '--label');
  return defined({
    siteId: options.site!,
    bmc: defined({
      address: options.bmcAddress!,
      username: options.bmcUsername!,
      password: options.bmcPassword!,
      driver: options.bmcDriver,
      port: options.bmcPort,
      cipherSuite: options.cipherSuite,
    }),
    hostname: options.hostname,
    labels: Object.keys(labels).length > 0 ? labels : undefined,
    bootMethod: options.bootMethod,
  }) as CreateAssetBody;
}

async function enrolFromFile(ctx: CliContext, file: string, options: EnrolFlags): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const items = parseEnrolFile(text, enrolFileKind(file), options.site ? { siteId: options.site } : {});
  const client = await ctx.client();
  const merged: BulkEnrolment = { results: [], created: 0, failed: 0 };
  for (const [n, chunk] of chunks(items, BULK_MAX).entries()) {
    const answer = await unwrap(client.POST('/api/v1/assets:bulk', { body: { assets: chunk } }));
    merged.results.push(...answer.results.map((r) => ({ ...r, index: r.index + n * BULK_MAX })));
    merged.created += answer.created;
    merged.failed += answer.failed;
  }
  ctx.print(merged, options.output, bulkResult);
  if (merged.failed > 0) throw new ApiFailedItemsError(`${merged.failed} of ${items.length} assets were not enrolled`);
}

/** Prints a dry run's plan; throws ActionFailedError (exit 1) when it has problems. */
export function printPlan(ctx: CliContext, plan: Parameters<typeof clusterPlan>[0], output: OutputFormat): void {
  ctx.print(plan, output, clusterPlan);
  if (!plan.valid) throw new ActionFailedError(`the plan has ${plan.problems.length} problem(s); nothing was changed`);
}
