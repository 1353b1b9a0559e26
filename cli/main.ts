import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { CliContext, describeError, type CliIo } from './context.js';
import { ExitCode, exitCodeFor, UsageError, type ExitCodeValue } from './exit-codes.js';
import { OUTPUT_FORMATS, type OutputFormat } from './output/format.js';
import { buildProgram } from './program.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The `-o` value on the command line, so an error prints in the format the caller reads. */
function requestedFormat(argv: readonly string[]): OutputFormat {
  const at = argv.findIndex((a) => a === '-o' || a === '--output');
  const inline = argv.find((a) => a.startsWith('--output='))?.slice('--output='.length);
  const value = inline ?? (at >= 0 ? argv[at + 1] : undefined);
  return OUTPUT_FORMATS.includes(value as OutputFormat) ? (value as OutputFormat) : 'table';
}

/** Runs one command line (without `node` and the script) and returns its exit code; never exits itself. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx, packageVersion());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    const code = exitCodeFor(err);
    // Commander printed its own message (or the help) already.
    if (!(err instanceof CommanderError)) {
      ctx.err(describeError(err, requestedFormat(argv)));
      if (err instanceof UsageError) ctx.err('(add --help for usage)');
    }
    // RACKPILOT_DEBUG=1 shows where an unforeseen error came from.
    if (io.env.RACKPILOT_DEBUG && err instanceof Error && err.stack) ctx.err(err.stack);
    return code;
  }
}

/** The process entry point (`rackpilot` via cli/rackpilot.mjs): real streams, environment, Ctrl-C. */
export async function main(): Promise<void> {
  // `rackpilot … | head` closes the pipe early: that ends the command quietly, as for any Unix tool.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.Ok);
      throw err;
    });
  }
  const interrupt = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // The first Ctrl-C ends a wait cleanly; a second one leaves at once.
    if (++interrupts > 1) process.exit(ExitCode.Interrupted);
    interrupt.abort();
  });
  process.exitCode = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    homedir: homedir(),
    signal: interrupt.signal,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
