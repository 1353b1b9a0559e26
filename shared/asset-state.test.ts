import { describe, expect, it } from 'vitest';
import {
  ASSET_STATES,
  ASSET_TRANSITIONS,
  nextAssetState,
  type AssetState,
  type AssetTransition,
} from './asset-state.js';

const expected: Record<AssetTransition, Partial<Record<AssetState, AssetState>>> = {
  startDiscovery: { enrolling: 'discovering', error: 'discovering', available: 'discovering' },
  finishDiscovery: { discovering: 'available' },
  reserve: { available: 'reserved' },
  release: { reserved: 'available' },
  startProvision: { available: 'provisioning', reserved: 'provisioning' },
  finishProvision: { provisioning: 'provisioned' },
  startWipe: {
    provisioned: 'wiping',
    available: 'wiping',
    error: 'wiping',
    provisioning: 'wiping',
    reserved: 'wiping',
  },
  finishWipe: { wiping: 'available' },
  fail: {
    enrolling: 'error',
    discovering: 'error',
    reserved: 'error',
    provisioning: 'error',
    wiping: 'error',
  },
  enterMaintenance: { available: 'maintenance', error: 'maintenance', provisioned: 'maintenance' },
  leaveMaintenance: { maintenance: 'available' },
};

describe('the asset state machine', () => {
  for (const transition of Object.keys(ASSET_TRANSITIONS) as AssetTransition[]) {
    for (const state of ASSET_STATES) {
      const target = expected[transition][state];
      it(`${transition} from ${state} ${target ? `leads to ${target}` : 'is refused'}`, () => {
        expect(nextAssetState(state, transition)).toBe(target);
      });
    }
  }

  it('never lets maintenance be left for anything but available', () => {
    const exits = (Object.keys(ASSET_TRANSITIONS) as AssetTransition[])
      .map((t) => nextAssetState('maintenance', t))
      .filter(Boolean);
    expect(exits).toEqual(['available']);
  });

  it('never wipes an asset under an operator hold', () => {
    expect(nextAssetState('maintenance', 'startWipe')).toBeUndefined();
  });
});
