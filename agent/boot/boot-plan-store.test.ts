import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { BOOT_PLAN_MAX_AGE_MS, persistentBootPlans } from './boot-plan-store.js';

const TOKEN = 'tok_0123456789abcdefghijkl';
const MAC = '52:54:00:ab:cd:ef';
const talosPlan = {
  kind: 'talos',
  jobId: 'job-1',
  assetId: 'asset-1',
  talos: { version: 'v1.10.6', configUrlToken: TOKEN },
};
const log = createLogger('test', { level: 'silent' });

describe('persistent boot plans', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boot-plans-'));
    file = join(dir, 'boot-plans.json');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('gives a restarted agent the plans and the default plan of the one before, file readable by the agent only', async () => {
    const first = await persistentBootPlans(file, log);
    first.plans.register(MAC, talosPlan);
    first.plans.setDefaultPlan({ kind: 'utility', jobId: 'job-2', assetId: 'asset-2' });
    await first.flushed();
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await persistentBootPlans(file, log);
    expect(second.plans.get('52-54-00-AB-CD-EF')).toMatchObject({ kind: 'talos', jobId: 'job-1', mac: MAC });
    expect(second.plans.getByConfigToken(TOKEN)?.mac).toBe(MAC);
    expect(second.plans.defaultPlan).toMatchObject({ kind: 'utility', assetId: 'asset-2' });
  });

  it('saves removals too, the last state winning over quick successive changes', async () => {
    const store = await persistentBootPlans(file, log);
    for (let i = 0; i < 20; i++)
      store.plans.register(`52:54:00:00:00:${String(i).padStart(2, '0')}`, {
        ...talosPlan,
        talos: undefined,
        kind: 'utility',
      });
    store.plans.register(MAC, talosPlan);
    store.plans.remove(MAC);
    await store.flushed();
    const saved = JSON.parse(await readFile(file, 'utf8')) as { plans: { mac: string }[] };
    expect(saved.plans).toHaveLength(20);
    expect(saved.plans.map((p) => p.mac)).not.toContain(MAC);
  });

  it('does not restore plans older than a day, nor entries that no longer validate, nor an unreadable file', async () => {
    let clock = new Date('2026-12-01T00:00:00Z');
    const first = await persistentBootPlans(file, log, () => clock);
    first.plans.register(MAC, talosPlan);
    await first.flushed();
    clock = new Date(clock.getTime() + BOOT_PLAN_MAX_AGE_MS + 1);
    expect((await persistentBootPlans(file, log, () => clock)).plans.size).toBe(0);

    const at = new Date().toISOString();
    await writeFile(
      file,
      JSON.stringify({ plans: [{ mac: MAC, plan: { kind: 'talos', jobId: 'j', assetId: 'a' }, at }] }),
    );
    expect((await persistentBootPlans(file, log)).plans.size).toBe(0);
    await writeFile(file, '{not json');
    expect((await persistentBootPlans(file, log)).plans.size).toBe(0);
  });
});
