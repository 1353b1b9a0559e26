/**
 * Typed wrappers over iproute2's `ip` for the VM lab's network namespaces. Every command goes
 * through the project's one child-process runner (`agent/exec/run-command.ts`: argument array, no
 * shell, a timeout, capped output) and fails with an error naming the command and its stderr.
 * Nothing here touches the host's own namespace except `ip netns add/delete/list`, which only
 * manage the namespaces' bind mounts under /run/netns.
 */
import { execFileSync } from 'node:child_process';
import { runCommand } from '../../agent/exec/run-command.js';

/** How long one `ip` command may take; they are instant unless the kernel is wedged. */
const IP_TIMEOUT_MS = 10_000;

/** Thrown when an `ip` command exits non-zero or times out. */
export class IpCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `${argv.join(' ')} failed (${exitCode === null ? 'killed' : `exit ${exitCode}`}): ${stderr.trim() || 'no output'}`,
    );
    this.name = 'IpCommandError';
  }
}

/** Runs `ip <args>` and resolves with its stdout; rejects with {@link IpCommandError}. */
export async function ip(args: readonly string[]): Promise<string> {
  const result = await runCommand('ip', args, { timeoutMs: IP_TIMEOUT_MS });
  if (result.exitCode !== 0 || result.timedOut) {
    const stderr = result.timedOut ? `timed out after ${IP_TIMEOUT_MS} ms ${result.stderr}` : result.stderr;
    throw new IpCommandError(['ip', ...args], result.exitCode, stderr);
  }
  return result.stdout;
}

/** Runs `ip -n <ns> <args>`: an `ip` command acting inside namespace `ns`. */
export function ipIn(ns: string, args: readonly string[]): Promise<string> {
  return ip(['-n', ns, ...args]);
}

/** The argv that runs `argv` inside namespace `ns` (`ip netns exec` execs it: the PID is the command's own). */
export function nsExec(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Creates namespace `name` (its `lo` starts down). Rejects when it exists. */
export async function createNetns(name: string): Promise<void> {
  await ip(['netns', 'add', name]);
}

/** Deletes namespace `name`; resolves when it is already gone. */
export async function deleteNetns(name: string): Promise<void> {
  if (!(await listNetns()).includes(name)) return;
  await ip(['netns', 'delete', name]);
}

/** Names of the named namespaces (`ip netns list` prints `name (id: N)` once an id is assigned). */
export async function listNetns(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** PIDs of every process whose network namespace is `name`. */
export async function netnsPids(name: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', name]);
  return out
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Whether this process may create namespaces, proved by creating and deleting `probeName`.
 * Synchronous because the VM lab's support check is; `execFileSync` with a timeout is the
 * synchronous twin of `runCommand`, which has none. Returns the failure's text, or undefined.
 */
export function probeNetnsSync(probeName: string): string | undefined {
  try {
    execFileSync('ip', ['netns', 'add', probeName], { timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `ip netns add failed: ${stderr || (err as Error).message}`;
  }
  try {
    execFileSync('ip', ['netns', 'delete', probeName], { timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return `ip netns delete ${probeName} failed: ${(err as Error).message}`;
  }
  return undefined;
}
