import type { Command } from 'commander';
import { unwrap } from '../../client/rackpilot-client.js';
import type { CliContext } from '../context.js';
import type { OutputFormat } from '../output/format.js';
import { siteDetail, siteList } from '../output/misc-views.js';
import { pagingQuery, withOutput, withPaging } from './options.js';

/** `rackpilot sites [ls]` and `rackpilot sites get <id>`: datacenters and whether their agent is online. */
export function sitesCommand(program: Command, ctx: CliContext): void {
  const sites = program.command('sites').description('sites (datacenters) and their agents');
  withPaging(withOutput(sites.command('ls', { isDefault: true }).description('list sites')))
    .option('--name <name>', 'only the site of this name')
    .action(
      async (options: { output: OutputFormat; name?: string; page?: number; perPage?: number; sort?: string }) => {
        const client = await ctx.client();
        const query = { ...pagingQuery(options), ...(options.name ? { name: options.name } : {}) };
        ctx.print(await unwrap(client.GET('/api/v1/sites', { params: { query } })), options.output, siteList);
      },
    );
  withOutput(sites.command('get').description('one site').argument('<id>', 'site id (site_…)')).action(
    async (id: string, options: { output: OutputFormat }) => {
      const client = await ctx.client();
      ctx.print(
        await unwrap(client.GET('/api/v1/sites/{id}', { params: { path: { id } } })),
        options.output,
        siteDetail,
      );
    },
  );
}
