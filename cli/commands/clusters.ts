import { chmod, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { unwrap } from '../../client/rackpilot-client.js';
import type { CreateClusterBody } from '../../client/resources.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { clusterDetail, clusterList } from '../output/cluster-views.js';
import type { OutputFormat } from '../output/format.js';
import { printPlan } from './assets.js';
import { followWorkflow } from './long-action.js';
import { defined, pagingQuery, withOutput, withPaging, withWait } from './options.js';
import { readBodyFile } from './read-body-file.js';

const STATUSES = ['pending', 'provisioning', 'bootstrapping', 'ready', 'failed', 'deleting', 'deleted'] as const;

/** `rackpilot clusters create|ls|get|delete|kubeconfig`. */
export function clustersCommand(program: Command, ctx: CliContext): void {
  const clusters = program.command('clusters').description('Talos Kubernetes clusters');

  withWait(
    withOutput(
      clusters
        .command('create')
        .description('create a cluster from a file (the body of POST /api/v1/clusters) and wait until it is ready')
        .requiredOption(
          '-f, --file <path>',
          'cluster.yaml (or .json): name, type, flavor, gateway, controlPlanes, workers, …',
        )
        .option('--dry-run', 'show the plan (nodes, IPs, install disks, steps) and every problem; change nothing'),
    ),
  ).action(async (options: { output: OutputFormat; file: string; dryRun?: boolean; wait: boolean }) => {
    const body = (await readBodyFile(options.file)) as CreateClusterBody;
    const client = await ctx.client();
    if (options.dryRun) {
      const plan = await unwrap(client.POST('/api/v1/clusters', { params: { query: { dryRun: 'true' } }, body }));
      return printPlan(ctx, plan as Parameters<typeof printPlan>[1], options.output);
    }
    const created = await unwrap(client.POST('/api/v1/clusters', { body }));
    const accepted = created as typeof created & { workflowId: string; id: string };
    const done = await followWorkflow(ctx, { workflowId: accepted.workflowId, clusterId: accepted.id }, options);
    if (!done) return;
    const cluster = await unwrap(client.GET('/api/v1/clusters/{id}', { params: { path: { id: accepted.id } } }));
    ctx.print(
      cluster,
      options.output,
      (c) => `${clusterDetail(c)}\n\nKubeconfig: rackpilot clusters kubeconfig ${c.id} -o kubeconfig`,
    );
  });

  withPaging(withOutput(clusters.command('ls').description('list clusters')))
    .addOption(new Option('--status <status>', 'only clusters in this state').choices(STATUSES))
    .action(
      async (
        options: { output: OutputFormat; status?: (typeof STATUSES)[number] } & Parameters<typeof pagingQuery>[0],
      ) => {
        const client = await ctx.client();
        const query = { ...pagingQuery(options), ...defined({ status: options.status }) };
        ctx.print(await unwrap(client.GET('/api/v1/clusters', { params: { query } })), options.output, clusterList);
      },
    );

  withOutput(
    clusters.command('get').description('one cluster with its nodes').argument('<id>', 'cluster id (clu_…)'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const client = await ctx.client();
    ctx.print(
      await unwrap(client.GET('/api/v1/clusters/{id}', { params: { path: { id } } })),
      options.output,
      clusterDetail,
    );
  });

  withWait(
    withOutput(
      clusters
        .command('delete')
        .description('delete a cluster: wipes and releases every node, and waits until it is done')
        .argument('<id>', 'cluster id (clu_…)'),
    ),
  ).action(async (id: string, options: { output: OutputFormat; wait: boolean }) => {
    const client = await ctx.client();
    const path = { id };
    const accepted = await unwrap(client.DELETE('/api/v1/clusters/{id}', { params: { path } }));
    if (await followWorkflow(ctx, { ...accepted, clusterId: id }, options)) {
      ctx.print(await unwrap(client.GET('/api/v1/clusters/{id}', { params: { path } })), options.output, clusterDetail);
    }
  });

  clusters
    .command('kubeconfig')
    .description("download the cluster's admin kubeconfig")
    .argument('<id>', 'cluster id (clu_…)')
    .option('-o, --output <file>', 'write it to this file (mode 0600) instead of stdout')
    .action(async (id: string, options: { output?: string }) => {
      const client = await ctx.client();
      const yaml = await unwrap(
        client.GET('/api/v1/clusters/{id}/kubeconfig', { params: { path: { id } }, parseAs: 'text' }),
      );
      if (typeof yaml !== 'string' || yaml === '') throw new UsageError('the API sent no kubeconfig');
      if (!options.output) return ctx.out(yaml);
      await writeFile(options.output, yaml, { mode: 0o600 });
      await chmod(options.output, 0o600);
      ctx.err(`wrote ${options.output}; try: kubectl --kubeconfig ${options.output} get nodes`);
    });
}
