import { ApplicationFailure } from '@temporalio/common';
import type { BootMethod } from '../../shared/boot-method.js';
import type { AssetDoc, AssetRepository } from '../../db/asset-repository.js';
import type { AssetTransition } from '../../shared/asset-state.js';
import { isRackpilotError } from '../../shared/errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import { summarizeSpecs, type BmcHardware, type Inventory } from '../../shared/inventory.js';
import { compareMachineIdentity, describeIdentityMismatch } from '../../shared/machine-identity.js';
import type { WipeReport, WipeTarget } from '../../shared/wipe-report.js';

/** What a workflow needs to know about an asset (references only; no credentials). */
export interface AssetFacts {
  assetId: string;
  siteId: string;
  state: AssetDoc['state'];
  macs: string[];
  /** How the machine boots; absent in histories recorded before virtual media (pxe). */
  bootMethod?: BootMethod;
  /** Every whole disk of the inventory, identified by serial/WWN for safe wipes and installs. */
  disks: WipeTarget[];
}

function factsOf(asset: AssetDoc): AssetFacts {
  return {
    assetId: asset._id,
    siteId: asset.siteId,
    state: asset.state,
    macs: asset.macs,
    ...(asset.bootMethod === 'virtual-media' ? { bootMethod: asset.bootMethod } : {}),
    disks: (asset.inventory?.disks ?? [])
      .filter((d) => d.type === 'disk' && (d.serial || d.wwn))
      .map((d) => ({ path: d.path, ...(d.serial ? { serial: d.serial } : {}), ...(d.wwn ? { wwn: d.wwn } : {}) })),
  };
}

/** Asset activities: lifecycle transitions and recorded results, each one guarded update. */
export function createAssetActivities(deps: { assets: AssetRepository; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async loadAsset(assetId: string): Promise<AssetFacts> {
      return factsOf(await guard(() => deps.assets.get(assetId)));
    },

    /**
     * Takes the asset with `transition` and returns its facts as they were before it (one
     * activity, where `loadAsset` + `transitionAsset` were two workflow round trips).
     */
    async claimAsset(assetId: string, transition: AssetTransition, workflowId: string): Promise<AssetFacts> {
      let before: AssetDoc | undefined;
      const after = await guard(() =>
        deps.assets.transition(assetId, transition, { workflowId, observe: (current) => (before = current) }),
      );
      return factsOf(before ?? after);
    },

    async transitionAsset(assetId: string, transition: AssetTransition, workflowId: string): Promise<void> {
      // A wiped machine belongs to no cluster any more.
      const unset: (keyof AssetDoc)[] = transition === 'finishWipe' ? ['clusterId'] : [];
      await guard(() => deps.assets.transition(assetId, transition, { workflowId, unset }));
    },

    /**
     * Stores the inventory, its Colony `specs` summary and what the BMC reported of the hardware,
     * and makes the asset available. Throws the non-retryable `AssetIdentityMismatch`, recording
     * nothing, when the BMC's serial or MACs contradict the booted machine's: its disks are not
     * this asset's.
     */
    async completeDiscovery(
      assetId: string,
      workflowId: string,
      inventory: Inventory,
      bmcHardware?: BmcHardware,
    ): Promise<void> {
      const mismatches = compareMachineIdentity(bmcHardware, inventory);
      if (mismatches.length > 0) {
        throw ApplicationFailure.create({
          type: FailureTypes.AssetIdentityMismatch,
          message: describeIdentityMismatch(mismatches),
          details: [{ mismatches }],
          nonRetryable: true,
        });
      }
      await guard(() =>
        deps.assets.transition(assetId, 'finishDiscovery', {
          workflowId,
          set: {
            inventory,
            specs: summarizeSpecs(inventory),
            macs: inventory.nics.map((n) => n.mac),
            ...(bmcHardware ? { bmcHardware } : {}),
          },
          // A rediscovery through a BMC that reports nothing must not keep an older report.
          unset: bmcHardware ? ['lastError'] : ['lastError', 'bmcHardware'],
        }),
      );
    },

    async recordWipeReports(assetId: string, reports: WipeReport[]): Promise<void> {
      await deps.assets.update(assetId, { wipeReports: reports });
    },

    /** Puts the asset in `error` with the failed step, unless it is already settled elsewhere. */
    async markAssetFailed(
      assetId: string,
      workflowId: string,
      error: { step: string; reason: string; message: string },
    ): Promise<void> {
      try {
        await deps.assets.transition(assetId, 'fail', {
          workflowId,
          set: { lastError: { ...error, workflowId, at: now() } },
        });
      } catch (err) {
        if (!(isRackpilotError(err) && err.code === 'ASSET_BUSY')) throw err;
      }
    },
  };
}

/** Maps repository errors to non-retryable Temporal failures with stable types. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRackpilotError(err) && err.code === 'ASSET_BUSY') {
      throw ApplicationFailure.create({
        type: FailureTypes.AssetBusy,
        message: err.message,
        nonRetryable: true,
        details: [err.details],
      });
    }
    if (isRackpilotError(err) && err.code === 'ASSET_NOT_FOUND') {
      throw ApplicationFailure.create({ type: FailureTypes.AssetNotFound, message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

export type AssetActivities = ReturnType<typeof createAssetActivities>;
