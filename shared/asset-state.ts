/**
 * The asset lifecycle (DESIGN.md "Asset lifecycle"), as pure data. Repositories apply a
 * transition as one atomic update guarded by the expected state and version; this module only
 * says which transitions exist.
 */

/** Every state an asset can be in. */
export const ASSET_STATES = [
  /** Enrolled by BMC address; discovery not yet started. */
  'enrolling',
  /** The discovery workflow is taking inventory. */
  'discovering',
  /** Inventoried, powered off, free to provision or join a cluster. */
  'available',
  /** Reserved by a cluster request that has not started provisioning it yet. */
  'reserved',
  /** An OS is being installed. */
  'provisioning',
  /** Runs an installed OS (alone or as a cluster node). */
  'provisioned',
  /** Disks are being erased and verified. */
  'wiping',
  /** A workflow failed on it; `lastError` says why. */
  'error',
  /** Held by an operator: no workflow may touch it. */
  'maintenance',
] as const;

export type AssetState = (typeof ASSET_STATES)[number];

/** Named transitions, each allowed only from the listed states. */
export const ASSET_TRANSITIONS = {
  startDiscovery: { from: ['enrolling', 'error', 'available'], to: 'discovering' },
  finishDiscovery: { from: ['discovering'], to: 'available' },
  reserve: { from: ['available'], to: 'reserved' },
  release: { from: ['reserved'], to: 'available' },
  startProvision: { from: ['available', 'reserved'], to: 'provisioning' },
  finishProvision: { from: ['provisioning'], to: 'provisioned' },
  startWipe: { from: ['provisioned', 'available', 'error', 'provisioning', 'reserved'], to: 'wiping' },
  finishWipe: { from: ['wiping'], to: 'available' },
  fail: { from: ['enrolling', 'discovering', 'reserved', 'provisioning', 'wiping'], to: 'error' },
  enterMaintenance: { from: ['available', 'error', 'provisioned'], to: 'maintenance' },
  leaveMaintenance: { from: ['maintenance'], to: 'available' },
} as const satisfies Record<string, { from: readonly AssetState[]; to: AssetState }>;

export type AssetTransition = keyof typeof ASSET_TRANSITIONS;

/** Returns the state reached by `transition` from `state`, or undefined when it is not allowed. */
export function nextAssetState(state: AssetState, transition: AssetTransition): AssetState | undefined {
  const rule = ASSET_TRANSITIONS[transition];
  return (rule.from as readonly AssetState[]).includes(state) ? rule.to : undefined;
}

/** States in which the asset is free of any running workflow (safe to delete). */
export const IDLE_ASSET_STATES: readonly AssetState[] = ['available', 'error', 'maintenance', 'enrolling'];
