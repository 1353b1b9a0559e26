import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What `/version` reports. */
export interface VersionInfo {
  version: string;
  commit: string;
}

/** Reads the package version and the git commit (`commit` from config, else `git rev-parse HEAD`, else `unknown`). */
export function readVersionInfo(commit: string | undefined): VersionInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return { version: pkg.version ?? '0.0.0', commit: commit ?? gitCommit() };
}

let cached: string | undefined;

function gitCommit(): string {
  if (cached) return cached;
  try {
    cached = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      timeout: 2_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    cached = 'unknown';
  }
  return cached;
}
