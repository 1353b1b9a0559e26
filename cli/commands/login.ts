import type { Command } from 'commander';
import { unwrap } from '../../client/rackpilot-client.js';
import { CONFIG_FILE_MODE, writeConfigFile } from '../config/config-file.js';
import { normalizeApiUrl } from '../config/credentials.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../exit-codes.js';

/**
 * `rackpilot login --url URL --key KEY` (or with RACKPILOT_API_URL / RACKPILOT_API_KEY set):
 * checks the key against the API, then stores both in the config file, mode 0600.
 */
export function loginCommand(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description('check an API URL and key and store them (mode 0600) for the next commands')
    .option('--url <api-url>', 'the API, e.g. http://127.0.0.1:8080 (default: $RACKPILOT_API_URL)')
    .option('--key <api-key>', 'an API key rp_… (default: $RACKPILOT_API_KEY)')
    .action(async (options: { url?: string; key?: string }) => {
      const rawUrl = options.url ?? ctx.io.env.RACKPILOT_API_URL;
      const apiKey = options.key ?? ctx.io.env.RACKPILOT_API_KEY;
      if (!rawUrl || !apiKey)
        throw new UsageError('login needs --url and --key (or RACKPILOT_API_URL and RACKPILOT_API_KEY)');
      const apiUrl = normalizeApiUrl(rawUrl);
      if (!apiUrl) throw new UsageError(`--url must be an http(s) URL without query, not ${rawUrl}`);
      // The API says whose key it is (and refuses a bad one) before anything is stored.
      const client = ctx.clientFor({ apiUrl, apiKey });
      const me = await unwrap(client.GET('/api/v1/me'));
      await writeConfigFile(ctx.configPath, { apiUrl, apiKey });
      ctx.out(
        `Logged in to ${apiUrl} with key ${me.id} (${me.name}, ${me.role}); saved to ${ctx.configPath} (mode ${CONFIG_FILE_MODE.toString(8)}).`,
      );
    });
}
