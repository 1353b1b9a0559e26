import { spawn } from 'node:child_process';
import { RackpilotError } from '../../shared/errors.js';

/**
 * The one place in the agent that runs child processes (STYLE.md §13). Always an argument array,
 * never a shell; a hard timeout; kill on abort; capped output; secrets passed by environment only.
 */

/** Environment variables a child inherits from the agent. Everything else (API tokens, master keys) stays out. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR'] as const;

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Kill the child after this long (SIGTERM, then SIGKILL after `killGraceMs`). Default 60 s. */
  timeoutMs?: number;
  /** Kill the child when this aborts; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Bytes kept per stream; the rest is dropped and `truncated` set. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Extra (non-secret) environment variables. */
  env?: Record<string, string>;
  /** Secret environment variables (e.g. `IPMI_PASSWORD`): passed to the child, never logged. */
  secretEnv?: Record<string, string>;
  /** Time between SIGTERM and SIGKILL. Default 2 s. */
  killGraceMs?: number;
  cwd?: string;
}

/** What a finished child process left behind. */
export interface CommandResult {
  /** Exit code, or `null` when the child was killed by a signal. */
  exitCode: number | null;
  /** The signal that ended the child, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the child was killed because it ran past `timeoutMs`. */
  timedOut: boolean;
  /** True when stdout or stderr went past `maxOutputBytes` and was cut. */
  truncated: boolean;
}

/** Thrown when the executable cannot be started at all (missing binary, no permission). */
export class CommandSpawnError extends RackpilotError {
  constructor(file: string, cause: unknown) {
    super(`Cannot start ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      code: 'COMMAND_SPAWN_FAILED',
      status: 500,
      details: { file },
      cause,
    });
  }
}

/** Collects one output stream up to a byte cap. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs `file` with `args` and resolves with its exit code and output. Resolves (does not reject) on a
 * non-zero exit or a timeout: the caller decides what those mean. Rejects with {@link CommandSpawnError}
 * when the process cannot start, and with the abort reason when `signal` aborts.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const { timeoutMs = 60_000, maxOutputBytes = 1024 * 1024, killGraceMs = 2_000, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const env: Record<string, string> = { LANG: 'C', LC_ALL: 'C' };
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env, options.secretEnv);

  const started = performance.now();
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(file, [...args], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;

    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
    };

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (err) => {
      cleanup();
      reject(new CommandSpawnError(file, err));
    });
    // 'close' (not 'exit') so both pipes are drained before we resolve.
    child.once('close', (exitCode, exitSignal) => {
      cleanup();
      if (aborted) {
        reject(signal?.reason);
        return;
      }
      resolve({
        exitCode,
        signal: exitSignal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: Math.round(performance.now() - started),
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
      });
    });
  });
}
