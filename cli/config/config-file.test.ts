import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigFile, writeConfigFile } from './config-file.js';

describe('the config file', () => {
  let dir: string;
  let previousUmask: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-config-'));
    // The most permissive umask: the mode must not depend on it.
    previousUmask = process.umask(0);
  });
  afterEach(async () => {
    process.umask(previousUmask);
    await rm(dir, { recursive: true, force: true });
  });

  it('is written with mode 0600 in a 0700 directory it creates, whatever the umask', async () => {
    const path = join(dir, 'xdg', 'rackpilot', 'config.json');
    await writeConfigFile(path, { apiUrl: 'http://127.0.0.1:8080', apiKey: 'rp_secret' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'xdg', 'rackpilot'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ apiUrl: 'http://127.0.0.1:8080', apiKey: 'rp_secret' });
    expect(await readConfigFile(path)).toEqual({ apiUrl: 'http://127.0.0.1:8080', apiKey: 'rp_secret' });
  });

  it('replaces an earlier file that was readable by others with a 0600 one', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, '{}', { mode: 0o644 });
    await chmod(path, 0o644);
    expect(await readConfigFile(path)).toEqual({ looseMode: 0o644 });
    await writeConfigFile(path, { apiUrl: 'http://a', apiKey: 'k' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readConfigFile(path)).toEqual({ apiUrl: 'http://a', apiKey: 'k' });
  });

  it('reads as empty when absent and refuses a file that is not a JSON object', async () => {
    expect(await readConfigFile(join(dir, 'none.json'))).toEqual({});
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '[1]', { mode: 0o600 });
    await expect(readConfigFile(bad)).rejects.toMatchObject({ name: 'UsageError' });
    await writeFile(bad, 'not json', { mode: 0o600 });
    await expect(readConfigFile(bad)).rejects.toThrow(/not valid JSON/);
  });
});
