import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheBinDir } from './cache-dir.js';

/** Returns the path of an executable named `name` on PATH, or undefined. */
export function whichSync(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** True when `path` exists and may be executed. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Locates a server binary: first on PATH (a user's own install wins), then in the project's
 * build cache. Returns undefined when neither has it.
 */
export function findServerBinary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = whichSync(name, env);
  if (onPath) return onPath;
  const cached = join(cacheBinDir(env), name);
  return isExecutable(cached) ? cached : undefined;
}
