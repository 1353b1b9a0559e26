/**
 * Runs the real `rackpilot` binary (cli/rackpilot.mjs, what package.json `bin` names) as a child
 * process, asynchronously: the API it talks to usually runs in the test's own process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The binary. */
export const RACKPILOT_BIN = fileURLToPath(new URL('../../../cli/rackpilot.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A home of its own (HOME and XDG_CONFIG_HOME in a temporary directory) for the runs of one test file. */
export class CliHome {
  private constructor(readonly dir: string) {}

  static async create(name: string): Promise<CliHome> {
    return new CliHome(await mkdtemp(join(tmpdir(), `rackpilot-cli-${name}-`)));
  }

  /** Where `rackpilot login` writes in this home. */
  get configFile(): string {
    return join(this.dir, 'xdg', 'rackpilot', 'config.json');
  }

  /**
   * Runs `rackpilot ...args` with only PATH from this environment (so no RACKPILOT_* of the
   * caller leaks in) plus `env`; ends it after `timeoutMs`. Calls `onStdout` with each chunk.
   */
  run(
    args: string[],
    options: { env?: Record<string, string>; timeoutMs?: number; onStdout?: (chunk: string) => void } = {},
  ): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [RACKPILOT_BIN, ...args], {
        cwd: this.dir,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: this.dir,
          XDG_CONFIG_HOME: join(this.dir, 'xdg'),
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        options.onStdout?.(chunk);
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
