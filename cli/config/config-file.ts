import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../exit-codes.js';

/** What `rackpilot login` stores. */
export interface StoredConfig {
  apiUrl?: string;
  apiKey?: string;
}

/** Permission bits of the file (it holds an API key): owner read/write only. */
export const CONFIG_FILE_MODE = 0o600;

/** Reads the file; `{}` when it does not exist. Throws UsageError when it is not a JSON object. */
export async function readConfigFile(path: string): Promise<StoredConfig & { looseMode?: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON: run rackpilot login again`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${path} is not a JSON object: run rackpilot login again`);
  }
  const { apiUrl, apiKey } = parsed as Record<string, unknown>;
  const mode = (await stat(path)).mode & 0o777;
  return {
    ...(typeof apiUrl === 'string' ? { apiUrl } : {}),
    ...(typeof apiKey === 'string' ? { apiKey } : {}),
    ...((mode & 0o077) !== 0 ? { looseMode: mode } : {}),
  };
}

/**
 * Writes the file with mode 0600 (its directory 0700), whatever the umask and whatever mode an
 * earlier file had: written to a new file created 0600, then renamed over the old one, so the key
 * is never readable by others, not even for a moment.
 */
export async function writeConfigFile(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: CONFIG_FILE_MODE, flag: 'w' });
  // writeFile's mode is filtered by the umask and ignored for an existing file: set it exactly.
  await chmod(temp, CONFIG_FILE_MODE);
  await rename(temp, path);
}
