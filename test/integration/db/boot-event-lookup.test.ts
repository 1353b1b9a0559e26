import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetRepository } from '../../../db/asset-repository.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { freshDatabase } from '../../support/services.js';

// A boot event names a machine by MAC (or, before inventory, by BMC address). The repository
// remembers what it found, so a rack booting at once does not scan every asset per event; what it
// remembers is checked on every use.
describe('finding the asset a boot event is about', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let assets: AssetRepository;
  beforeAll(async () => {
    database = await freshDatabase('boot-lookup');
    assets = new AssetRepository(database.db, () => new Date(), null);
  });
  afterAll(async () => database.close());

  it('finds it by MAC, again after the MAC moved to another asset, and never on another site', async () => {
    const first = buildAsset({ macs: ['52:54:00:00:00:01'] });
    const second = buildAsset({ macs: [] });
    const elsewhere = buildAsset({ siteId: 'site_other', macs: ['52:54:00:00:00:02'] });
    for (const a of [first, second, elsewhere]) await assets.insert(a);

    expect((await assets.findForBootEvent('site_test', { mac: '52:54:00:00:00:01' }))?._id).toBe(first._id);
    expect((await assets.findForBootEvent('site_test', { mac: '52:54:00:00:00:01' }))?._id).toBe(first._id);
    // The NIC was moved to the other server and both re-inventoried.
    await assets.update(first._id, { macs: [] });
    await assets.update(second._id, { macs: ['52:54:00:00:00:01'] });
    expect((await assets.findForBootEvent('site_test', { mac: '52:54:00:00:00:01' }))?._id).toBe(second._id);
    await assets.update(second._id, { macs: [] });
    expect(await assets.findForBootEvent('site_test', { mac: '52:54:00:00:00:01' })).toBeNull();
    expect(await assets.findForBootEvent('site_test', { mac: '52:54:00:00:00:02' })).toBeNull();
  });

  it('falls back to the BMC address for a machine with no known MACs yet', async () => {
    const fresh = buildAsset();
    await assets.insert(fresh);
    const by = { mac: 'aa:bb:cc:dd:ee:ff', bmcAddress: fresh.bmc.address };
    expect((await assets.findForBootEvent('site_test', by))?._id).toBe(fresh._id);
    expect((await assets.findForBootEvent('site_test', by))?._id).toBe(fresh._id);
    expect(await assets.findForBootEvent('site_other', by)).toBeNull();
  });
});
