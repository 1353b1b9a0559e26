import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentJobRepository } from '../../../db/agent-job-repository.js';
import { AssetRepository, STALE_CLAIM_MS } from '../../../db/asset-repository.js';
import { SiteJobFeed } from '../../../api/agent-bridge/site-job-feed.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { freshDatabase } from '../../support/services.js';

// The MongoDB-protocol server under test (FerretDB over SQLite) does not isolate concurrent
// updates; these are the guarantees Rackpilot's own data layer must still give.
describe('concurrent writers on the real database', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase('concurrency');
  });
  afterAll(async () => database.close());

  it('lets exactly one of 50 parallel transitions of one asset win; the rest get ASSET_BUSY with the state', async () => {
    const assets = new AssetRepository(database.db);
    for (let round = 0; round < 3; round++) {
      const asset = buildAsset({ state: 'available' });
      await assets.insert(asset);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => assets.transition(asset._id, 'startProvision')),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'ASSET_BUSY', status: 409 });
      }
      expect(await assets.get(asset._id)).toMatchObject({ state: 'provisioning', version: 2 });
    }
  });

  it('takes over a transition claim its writer never applied once it is stale, and only then', async () => {
    let clock = new Date();
    const assets = new AssetRepository(database.db, () => clock);
    const claims = database.db.collection<{ _id: string; owner: string; at: Date }>('asset_transitions');
    const asset = buildAsset({ state: 'available' });
    await assets.insert(asset);
    // A writer claimed version 1 and died before its update: the asset is stranded at version 1.
    await claims.insertOne({ _id: `${asset._id}:1`, owner: 'dead-writer', at: clock });
    await expect(assets.transition(asset._id, 'startProvision')).rejects.toMatchObject({ code: 'ASSET_BUSY' });
    clock = new Date(clock.getTime() + STALE_CLAIM_MS + 1_000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => assets.transition(asset._id, 'startProvision')),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await assets.get(asset._id)).toMatchObject({ state: 'provisioning', version: 2 });
    expect((await claims.findOne({ _id: `${asset._id}:1` }))?.owner).not.toBe('dead-writer');
  });

  it('forgets transition claims older than the cutoff; the asset still moves exactly once per version', async () => {
    let clock = new Date(Date.now() - 2 * 86_400_000);
    const assets = new AssetRepository(database.db, () => clock);
    const claims = database.db.collection<{ _id: string }>('asset_transitions');
    const asset = buildAsset({ state: 'available' });
    await assets.insert(asset);
    await assets.transition(asset._id, 'startProvision');
    clock = new Date();
    await assets.transition(asset._id, 'finishProvision');
    expect(await assets.pruneTransitionClaims(new Date(Date.now() - 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await claims.findOne({ _id: `${asset._id}:1` })).toBeNull();
    expect(await claims.findOne({ _id: `${asset._id}:2` })).not.toBeNull();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => assets.transition(asset._id, 'startWipe')),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('tells a retried activity to try again, not ASSET_BUSY, while its own earlier attempt holds the claim', async () => {
    const assets = new AssetRepository(database.db);
    const claims = database.db.collection<{ _id: string; owner: string; intent: object; at: Date }>(
      'asset_transitions',
    );
    const asset = buildAsset({ state: 'available' });
    await assets.insert(asset);
    // Attempt 1 of wf-1's activity claimed version 1 and timed out with its update still on its way.
    const intent = { transition: 'startProvision', workflowId: 'wf-1' };
    await claims.insertOne({ _id: `${asset._id}:1`, owner: 'attempt-1', intent, at: new Date() });
    await expect(assets.transition(asset._id, 'startProvision', { workflowId: 'wf-1' })).rejects.toMatchObject({
      code: 'ASSET_TRANSITION_PENDING',
    });
    // Anyone else is refused as before.
    await expect(assets.transition(asset._id, 'startProvision', { workflowId: 'wf-2' })).rejects.toMatchObject({
      code: 'ASSET_BUSY',
    });
    // Attempt 1's update lands: the retry finds the asset moved by its own workflow and is done.
    await database.db
      .collection('assets')
      .updateOne({ _id: asset._id } as never, { $set: { state: 'provisioning', workflowId: 'wf-1', version: 2 } });
    expect(await assets.transition(asset._id, 'startProvision', { workflowId: 'wf-1' })).toMatchObject({
      state: 'provisioning',
      version: 2,
    });
  });

  it('never hands one job to two concurrent pollers', async () => {
    const jobs = new AgentJobRepository(database.db);
    await jobs.ensureIndexes();
    for (let i = 0; i < 5; i++) {
      await jobs.enqueue({
        siteId: 'site_c',
        kind: 'bmc.status',
        payload: { assetId: `a${i}` },
        taskToken: 'dA==',
        activityKey: `wf/run/${i}`,
        workflowId: 'wf',
        attempt: 1,
      });
    }
    // Twenty pollers as twenty API processes would run them: a feed each, racing for five jobs.
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => new SiteJobFeed(jobs, 60_000).claim('site_c', { waitMs: 300 })),
    );
    const ids = claims.filter((c) => c !== null).map((c) => c._id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });
});
