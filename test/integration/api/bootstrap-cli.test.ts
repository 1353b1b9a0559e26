import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoUri, temporalAddress } from '../../support/services.js';
import { ApiHarness, type TestApi } from './harness.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('api/cli/bootstrap.ts', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await h.open('api_cli');
    api = await h.start();
    env = {
      ...process.env,
      MONGODB_URI: mongoUri(),
      TEMPORAL_ADDRESS: temporalAddress(),
      RACKPILOT_DB_NAME: api.container.db.databaseName,
      RACKPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
    };
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  const bootstrap = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'api/cli/bootstrap.ts', ...args], {
      cwd: root,
      env,
      timeout: 60_000,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('creates the first organization and prints a working admin key once', async () => {
    const first = await bootstrap('--name', 'Acme Metal');
    expect(first.code, first.stderr).toBe(0);
    const key = /rp_[0-9a-z]{12}_[0-9A-Za-z]{40}/.exec(first.stdout)?.[0];
    expect(key).toBeDefined();
    h.secrets.add(key as string);
    const listed = await api.request('GET', '/api/v1/api-keys', { key });
    expect(listed.status).toBe(200);
    expect(listed.body.apiKeys).toEqual([
      expect.objectContaining({ role: 'admin', name: 'bootstrap admin', createdBy: null }),
    ]);
  });

  it('refuses a second bootstrap unless --force-new-org', async () => {
    const again = await bootstrap('--name', 'Again');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('An admin API key already exists');
    expect(again.stdout).not.toMatch(/rp_/);
    const forced = await bootstrap('--name', 'Second', '--force-new-org');
    expect(forced.code, forced.stderr).toBe(0);
    h.secrets.add(/rp_\S+/.exec(forced.stdout)?.[0] ?? '');
    expect(await api.container.db.collection('organizations').countDocuments()).toBe(2);
  });
});
