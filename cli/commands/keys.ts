import { Option, type Command } from 'commander';
import { unwrap } from '../../client/rackpilot-client.js';
import type { CliContext } from '../context.js';
import type { OutputFormat } from '../output/format.js';
import { keyDetail, keyList } from '../output/misc-views.js';
import { defined, pagingQuery, withOutput, withPaging } from './options.js';

const ROLES = ['admin', 'operator', 'viewer', 'agent'] as const;
type Role = (typeof ROLES)[number];

/** `rackpilot keys create|ls|rotate|revoke`: the organization's API keys (admin keys only). */
export function keysCommand(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys of your organization (needs an admin key)');

  withOutput(
    keys
      .command('create')
      .description('issue a key; the full key is shown only now')
      .requiredOption('--name <name>', 'what the key is for, e.g. ci-pipeline')
      .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
      .option('--site <siteId>', 'the site of an agent key'),
  ).action(async (options: { output: OutputFormat; name: string; role: Role; site?: string }) => {
    const client = await ctx.client();
    const body = defined({ name: options.name, role: options.role, siteId: options.site });
    ctx.print(await unwrap(client.POST('/api/v1/api-keys', { body })), options.output, keyDetail);
  });

  withPaging(withOutput(keys.command('ls').description('list keys, masked')))
    .addOption(new Option('--role <role>', 'only keys of this role').choices(ROLES))
    .addOption(new Option('--status <status>', 'only active or only revoked keys').choices(['active', 'revoked']))
    .action(
      async (
        options: { output: OutputFormat; role?: Role; status?: 'active' | 'revoked' } & Parameters<
          typeof pagingQuery
        >[0],
      ) => {
        const client = await ctx.client();
        const query = { ...pagingQuery(options), ...defined({ role: options.role, status: options.status }) };
        ctx.print(await unwrap(client.GET('/api/v1/api-keys', { params: { query } })), options.output, keyList);
      },
    );

  withOutput(
    keys
      .command('rotate')
      .description('new secret now; the previous one keeps working for the grace period')
      .argument('<id>', 'key id (12 characters)'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const client = await ctx.client();
    const rotated = await unwrap(client.POST('/api/v1/api-keys/{id}/rotate', { params: { path: { id } } }));
    ctx.print(rotated, options.output, keyDetail);
  });

  withOutput(
    keys.command('revoke').description('revoke a key at once').argument('<id>', 'key id (12 characters)'),
  ).action(async (id: string, options: { output: OutputFormat }) => {
    const client = await ctx.client();
    const revoked = await unwrap(client.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } }));
    ctx.print(revoked, options.output, keyDetail);
  });
}
