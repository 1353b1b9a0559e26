import { Option, type Command } from 'commander';
import { unwrap } from '../../client/rackpilot-client.js';
import type { CliContext } from '../context.js';
import type { OutputFormat } from '../output/format.js';
import { workflowDetail, workflowList } from '../output/misc-views.js';
import { requireCompleted, watchWorkflow } from '../progress/watch-workflow.js';
import { defined, pagingQuery, withOutput, withPaging } from './options.js';

const TYPES = ['discovery', 'os-provision', 'disk-wipe', 'cluster-provision', 'cluster-delete'] as const;
const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

type ListFlags = {
  output: OutputFormat;
  type?: (typeof TYPES)[number];
  status?: (typeof STATUSES)[number];
  asset?: string;
  cluster?: string;
} & Parameters<typeof pagingQuery>[0];

/** `rackpilot workflows ls|get|watch|cancel`. */
export function workflowsCommand(program: Command, ctx: CliContext): void {
  const workflows = program
    .command('workflows')
    .description('workflow runs (discovery, provision, wipe, cluster create/delete)');

  withPaging(withOutput(workflows.command('ls').description('list workflow runs, newest first')))
    .addOption(new Option('--type <type>', 'only runs of this type').choices(TYPES))
    .addOption(new Option('--status <status>', 'only runs in this state').choices(STATUSES))
    .option('--asset <assetId>', 'only runs acting on this asset')
    .option('--cluster <clusterId>', 'only runs acting on this cluster')
    .action(async (options: ListFlags) => {
      const client = await ctx.client();
      const query = {
        ...pagingQuery(options),
        ...defined({ type: options.type, status: options.status, assetId: options.asset, clusterId: options.cluster }),
      };
      ctx.print(await unwrap(client.GET('/api/v1/workflows', { params: { query } })), options.output, workflowList);
    });

  withOutput(
    workflows.command('get').description('one run: steps, timings, error').argument('<id>', 'workflow id'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const client = await ctx.client();
    ctx.print(
      await unwrap(client.GET('/api/v1/workflows/{id}', { params: { path: { id } } })),
      options.output,
      workflowDetail,
    );
  });

  withOutput(
    workflows
      .command('watch')
      .description('show a run’s progress until it ends (exit 1 unless it completes)')
      .argument('<id>', 'workflow id'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const state = await watchWorkflow(ctx, id, { stream: ctx.progressStream(options.output) });
    if (options.output !== 'table') {
      const client = await ctx.client();
      ctx.print(
        await unwrap(client.GET('/api/v1/workflows/{id}', { params: { path: { id } } })),
        options.output,
        workflowDetail,
      );
    }
    requireCompleted(state);
  });

  withOutput(
    workflows
      .command('cancel')
      .description('cancel a running workflow (it compensates)')
      .argument('<id>', 'workflow id'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const client = await ctx.client();
    const accepted = await unwrap(client.POST('/api/v1/workflows/{id}/cancel', { params: { path: { id } } }));
    ctx.print(accepted, options.output, (a) => `cancellation of ${a.workflowId} requested`);
  });
}
