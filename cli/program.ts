import { Command } from 'commander';
import { assetsCommand } from './commands/assets.js';
import { clustersCommand } from './commands/clusters.js';
import { eventsCommand } from './commands/events.js';
import { keysCommand } from './commands/keys.js';
import { loginCommand } from './commands/login.js';
import { sitesCommand } from './commands/sites.js';
import { workflowsCommand } from './commands/workflows.js';
import type { CliContext } from './context.js';

const EPILOG = `
Credentials: RACKPILOT_API_URL and RACKPILOT_API_KEY, else what \`rackpilot login\` stored.
Exit codes: 0 ok, 1 workflow failed (or a dry run found problems), 2 usage, 3 API or auth error.`;

/**
 * The command tree. Commander never exits the process here: every error reaches `run()` as an
 * exception (exitOverride, inherited by each subcommand), and its messages go to the context's streams.
 */
export function buildProgram(ctx: CliContext, version: string): Command {
  const program = new Command('rackpilot')
    .description('Rackpilot: bare-metal servers to Talos Kubernetes clusters')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      getOutHelpWidth: () => ctx.io.stdout.columns ?? 100,
      getErrHelpWidth: () => ctx.io.stderr.columns ?? 100,
    })
    .addHelpText('after', EPILOG);
  loginCommand(program, ctx);
  assetsCommand(program, ctx);
  clustersCommand(program, ctx);
  workflowsCommand(program, ctx);
  sitesCommand(program, ctx);
  keysCommand(program, ctx);
  eventsCommand(program, ctx);
  return program;
}
