import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where built tools live: outside the clone, so a fresh clone and CI reuse them.
 * `RACKPILOT_CACHE_DIR` overrides; else `$XDG_CACHE_HOME/rackpilot`, else `~/.cache/rackpilot`.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RACKPILOT_CACHE_DIR) return env.RACKPILOT_CACHE_DIR;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rackpilot');
}

/** Directory of the binaries the project builds for itself. */
export function cacheBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'bin');
}
