import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import { claimOnce, claimsCollection, type ClaimDoc } from './claim-once.js';
import { isDuplicateKeyError } from './duplicate-key.js';
import { findPage, type Page, type PageRequest } from './page.js';
import { findScoped } from './find-scoped.js';
import { EventRepository, emitSafely, type EventSink } from './event-repository.js';
import { ASSET_TRANSITIONS, nextAssetState, type AssetState, type AssetTransition } from '../shared/asset-state.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { BmcDriverChoice, BmcProtocol, RedfishSettings } from '../shared/bmc-endpoint.js';
import type { BootMethod } from '../shared/boot-method.js';
import type { AssetSpecs, BmcHardware, Inventory } from '../shared/inventory.js';
import type { WipeReport } from '../shared/wipe-report.js';

/** How the agent reaches an asset's BMC. The password is a SecretBox ciphertext, never plain. */
export interface AssetBmc {
  /** `detect` until the agent has recorded what the BMC answered to (`recordBmcProtocol`). */
  driver: BmcDriverChoice;
  address: string;
  port: number;
  username: string;
  passwordSecret: string;
  /** IPMI cipher suite: 17 for current BMCs, 3 for older ones and ipmi_sim. */
  cipherSuite: number;
  /** Redfish trust and system id (driver redfish or detect). */
  redfish?: RedfishSettings;
}

/** Why the last workflow on this asset failed. */
export interface AssetError {
  step: string;
  reason: string;
  message: string;
  workflowId: string;
  at: Date;
}

/** An `assets` document: one physical server. */
export interface AssetDoc {
  _id: string;
  orgId: string;
  siteId: string;
  hostname?: string;
  state: AssetState;
  /** Incremented by every transition: the optimistic-concurrency guard. */
  version: number;
  bmc: AssetBmc;
  labels: Record<string, string>;
  /** How the machine is booted; absent: pxe (every asset enrolled before virtual media). */
  bootMethod?: BootMethod;
  /** MACs learnt by inventory: the keys of this machine's boot plans. */
  macs: string[];
  inventory?: Inventory;
  /** What the BMC itself reported at discovery (Redfish), kept beside the booted OS's inventory. */
  bmcHardware?: BmcHardware;
  specs?: AssetSpecs;
  clusterId?: string;
  /** The workflow currently acting on the asset (boot events are signalled to it). */
  workflowId?: string;
  lastError?: AssetError;
  wipeReports?: WipeReport[];
  createdAt: Date;
  updatedAt: Date;
}

/** A transition claim not applied within this long is presumed abandoned by a writer that died. */
export interface AssetListFilter {
  status?: AssetState | undefined;
  siteId?: string | undefined;
  /** `key=value` pairs, all required. */
  labels?: Record<string, string> | undefined;
  clusterId?: string | undefined;
}

export const STALE_CLAIM_MS = 60_000;

/** Boot-event lookups remembered per process (a few per machine; cleared when full). */
const MAX_REMEMBERED_BOOT_KEYS = 50_000;

/** Data access for assets. Every state change is one atomic update guarded by state (and version). */
export class AssetRepository {
  readonly collection: Collection<AssetDoc>;
  private readonly transitions: Collection<ClaimDoc>;
  private readonly events: EventSink | undefined;
  /**
   * `<siteId> <mac or BMC address>` → asset id, as last found for a boot event. A hit is read by
   * `_id` and checked, so a MAC that moved to another asset is looked up again. Why: the lookup
   * by MAC reads every asset document on FerretDB (no index but `_id`), 2–3 times per machine
   * boot — quadratic in a rack booting at once.
   */
  private readonly bootEventAssets = new Map<string, string>();

  /**
   * `events` receives `asset.state_changed` after each transition. It defaults to the `events`
   * collection of `db`, so every process that moves assets (API, worker) records them; `null` turns
   * events off.
   */
  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
    events?: EventSink | null,
  ) {
    this.collection = db.collection<AssetDoc>('assets');
    this.transitions = claimsCollection(db, 'asset_transitions');
    this.events = events === null ? undefined : (events ?? new EventRepository(db, now));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, state: 1 });
    await this.collection.createIndex({ siteId: 1, 'bmc.address': 1, 'bmc.port': 1 }, { unique: true });
    await this.collection.createIndex({ siteId: 1, macs: 1 });
  }

  async insert(doc: AssetDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  async get(assetId: string): Promise<AssetDoc> {
    const doc = await this.collection.findOne({ _id: assetId });
    if (!doc) throw new NotFoundError(`Asset ${assetId} not found`, { assetId }, 'ASSET_NOT_FOUND');
    return doc;
  }

  /** The asset if it is of this organization or site, else null (one of another scope looks absent). */
  findScoped(assetId: string, scope: { orgId: string } | { siteId: string }): Promise<AssetDoc | null> {
    return findScoped(this.collection, assetId, scope);
  }

  /** The organization's assets among `ids` (others and unknown ids are left out). */
  findManyInOrg(orgId: string, ids: readonly string[]): Promise<AssetDoc[]> {
    return this.collection.find({ _id: { $in: [...ids] }, orgId }).toArray();
  }

  /** Which of `ids` are still attached to the cluster. */
  async attachedTo(clusterId: string, ids: readonly string[]): Promise<string[]> {
    const attached = await this.collection
      .find({ _id: { $in: [...ids] }, clusterId }, { projection: { _id: 1 } })
      .toArray();
    const still = new Set(attached.map((a) => a._id));
    return ids.filter((id) => still.has(id));
  }

  list(orgId: string, filter: AssetListFilter, page: PageRequest): Promise<Page<AssetDoc>> {
    const query: Filter<AssetDoc> = {
      orgId,
      ...(filter.status ? { state: filter.status } : {}),
      ...(filter.siteId ? { siteId: filter.siteId } : {}),
      ...(filter.clusterId ? { clusterId: filter.clusterId } : {}),
      ...Object.fromEntries(Object.entries(filter.labels ?? {}).map(([k, v]) => [`labels.${k}`, v])),
    };
    return findPage(this.collection, query, page, { status: 'state' });
  }

  countInSite(orgId: string, siteId: string): Promise<number> {
    return this.collection.countDocuments({ orgId, siteId });
  }

  /** Sets and unsets fields of the organization's asset; returns it updated, or null when absent. */
  updateInOrg(
    orgId: string,
    assetId: string,
    set: Partial<AssetDoc>,
    unset: Record<string, ''>,
  ): Promise<AssetDoc | null> {
    return this.collection.findOneAndUpdate(
      { _id: assetId, orgId },
      { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
      { returnDocument: 'after' },
    );
  }

  /** Deletes the asset only if it is still at `version` (unchanged since it was read); returns whether it did. */
  async deleteAtVersion(orgId: string, assetId: string, version: number): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: assetId, orgId, version })).deletedCount === 1;
  }

  /** Deletes an asset whose discovery could not be started (it was never seen by anyone else). */
  async remove(assetId: string): Promise<void> {
    await this.collection.deleteOne({ _id: assetId });
  }

  /**
   * Applies `transition` atomically. `workflowId` makes a workflow's own transition idempotent:
   * repeating it after the asset already reached the target state for that workflow succeeds.
   * Throws ConflictError `ASSET_BUSY` (with the current state) when another actor owns the asset.
   */
  async transition(
    assetId: string,
    transition: AssetTransition,
    options: {
      workflowId?: string;
      expectedVersion?: number;
      set?: Partial<AssetDoc>;
      unset?: (keyof AssetDoc)[];
      /** Sees the asset as read before the transition (what a caller would otherwise read again). */
      observe?: (current: AssetDoc) => void;
    } = {},
  ): Promise<AssetDoc> {
    const rule = ASSET_TRANSITIONS[transition];
    const current = await this.get(assetId);
    options.observe?.(current);
    if (options.workflowId !== undefined && current.state === rule.to && current.workflowId === options.workflowId) {
      return current;
    }
    const allowed = (rule.from as readonly AssetState[]).includes(current.state);
    const versionOk = options.expectedVersion === undefined || options.expectedVersion === current.version;
    // Exactly one writer may move the asset away from a given version (see claim-once.ts).
    if (!allowed || !versionOk || !(await this.claimVersion(current, transition, options.workflowId))) {
      if (allowed && versionOk && options.workflowId !== undefined)
        await this.refuseIfOwnAttemptPending(current, transition, options.workflowId);
      const latest = await this.get(assetId);
      throw new ConflictError(
        `Asset ${assetId} is ${latest.state}; cannot ${transition}`,
        { assetId, state: latest.state, allowedFrom: rule.from, version: latest.version },
        'ASSET_BUSY',
      );
    }
    const set: Record<string, unknown> = { ...options.set, state: rule.to, updatedAt: this.now() };
    if (options.workflowId !== undefined) set.workflowId = options.workflowId;
    const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
    if (options.unset?.length) update.$unset = Object.fromEntries(options.unset.map((k) => [k, '']));
    const updated = await this.collection.findOneAndUpdate({ _id: assetId, version: current.version }, update, {
      returnDocument: 'after',
    });
    if (!updated) throw new ConflictError(`Asset ${assetId} changed during ${transition}`, { assetId }, 'ASSET_BUSY');
    await emitSafely(this.events, {
      type: 'asset.state_changed',
      orgId: updated.orgId,
      // One event per version left: the claim above already makes this transition happen once.
      key: `asset:${assetId}:v${current.version}`,
      data: {
        assetId,
        siteId: updated.siteId,
        ...(updated.clusterId !== undefined ? { clusterId: updated.clusterId } : {}),
        from: current.state,
        to: updated.state,
        transition,
        ...(updated.workflowId !== undefined ? { workflowId: updated.workflowId } : {}),
      },
    });
    return updated;
  }

  /**
   * Claims the right to move `asset` away from its current version. A claim whose writer never
   * applied its update (it died between the two writes, leaving the asset stranded at that
   * version) is taken over once it is older than STALE_CLAIM_MS, by exactly one of the writers
   * that find it stale.
   */
  private async claimVersion(asset: AssetDoc, transition: AssetTransition, workflowId?: string): Promise<boolean> {
    const key = `${asset._id}:${asset.version}`;
    const intent = { transition, ...(workflowId !== undefined ? { workflowId } : {}) };
    if (await claimOnce(this.transitions, key, randomUUID(), intent, this.now)) return true;
    const claim = await this.transitions.findOne({ _id: key });
    if (!claim || this.now().getTime() - claim.at.getTime() < STALE_CLAIM_MS) return false;
    const still = await this.collection.findOne({ _id: asset._id, version: asset.version }, { projection: { _id: 1 } });
    if (!still) return false;
    // The take-over of this one stale claim is itself claimed once. (Deleting the stale claim and
    // claiming the key anew was not enough: FerretDB's delete-by-filter finds then deletes, so a
    // slow taker could delete the claim a faster one had just written: two winners.)
    const owner = randomUUID();
    const takeover = `${key}:takeover:${claim.owner}`;
    if (!(await claimOnce(this.transitions, takeover, owner, { transition }, this.now))) return false;
    // The one winner makes the claim its own, fresh, so that its own death can be taken over too.
    await this.transitions.updateOne(
      { _id: key },
      { $set: { owner, at: this.now(), intent: { transition, tookOverFrom: claim.owner } } },
    );
    return true;
  }

  /**
   * The claim of this version may be the workflow's own: an earlier attempt of the same activity
   * that timed out while its write was still on its way (an overloaded database, seen at 200
   * nodes). That is not another writer — the caller should try again shortly, when the write has
   * landed (the retry then finds the asset moved) or the claim has gone stale (and is taken over).
   */
  private async refuseIfOwnAttemptPending(
    asset: AssetDoc,
    transition: AssetTransition,
    workflowId: string,
  ): Promise<void> {
    const claim = await this.transitions.findOne({ _id: `${asset._id}:${asset.version}` });
    if (claim?.intent?.transition !== transition || claim.intent.workflowId !== workflowId) return;
    throw new ConflictError(
      `Asset ${asset._id}: an earlier attempt of ${workflowId} is applying ${transition}; retry`,
      { assetId: asset._id, state: asset.state, version: asset.version },
      'ASSET_TRANSITION_PENDING',
    );
  }

  /**
   * Deletes the transition claims made before `before`; returns how many. Each decided who moves
   * an asset away from one version: once the asset moved on, nobody asks again, and a claim older
   * than STALE_CLAIM_MS whose writer died would be taken over anyway.
   */
  async pruneTransitionClaims(before: Date): Promise<number> {
    return (await this.transitions.deleteMany({ at: { $lt: before } })).deletedCount;
  }

  /** Sets fields that are not part of the lifecycle (inventory, reports) without a state change. */
  async update(assetId: string, set: Partial<AssetDoc>): Promise<void> {
    await this.collection.updateOne({ _id: assetId }, { $set: { ...set, updatedAt: this.now() } });
  }

  /**
   * Records the protocol (and the port it answered at) that the agent found an asset enrolled with
   * `detect` to speak, and emits `asset.bmc_detected`. One update guarded by `bmc.driver: detect`:
   * a protocol already known is never overwritten. Returns whether it changed anything. Throws
   * ConflictError `ASSET_EXISTS` when another asset of the site is enrolled at that address and port.
   */
  async recordBmcProtocol(assetId: string, protocol: BmcProtocol, port: number): Promise<boolean> {
    let updated: AssetDoc | null;
    try {
      updated = await this.collection.findOneAndUpdate(
        { _id: assetId, 'bmc.driver': 'detect' },
        { $set: { 'bmc.driver': protocol, 'bmc.port': port, updatedAt: this.now() } },
        { returnDocument: 'after' },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Its Redfish port is another asset's: the same BMC enrolled twice, once by each protocol.
      throw new ConflictError(
        `Another asset is enrolled with this BMC at port ${port}; asset ${assetId} keeps driver detect`,
        { assetId, protocol, port },
        'ASSET_EXISTS',
      );
    }
    if (!updated) return false;
    await emitSafely(this.events, {
      type: 'asset.bmc_detected',
      orgId: updated.orgId,
      // Once per asset: the driver leaves `detect` once (a concurrent second report finds the key taken).
      key: `asset:${assetId}:bmc_detected`,
      data: { assetId, siteId: updated.siteId, protocol, port },
    });
    return true;
  }

  /** Finds the asset of a site a boot event is about: by one of its MACs, else by its BMC address. */
  async findForBootEvent(siteId: string, by: { mac?: string; bmcAddress?: string }): Promise<AssetDoc | null> {
    // A machine not yet inventoried has no known MACs: it is recognised by its BMC address.
    const { mac, bmcAddress } = by;
    const byMac = mac
      ? await this.findRemembered(siteId, `mac ${mac}`, { macs: mac }, (a) => a.macs.includes(mac))
      : null;
    if (byMac || !bmcAddress) return byMac;
    return this.findRemembered(
      siteId,
      `bmc ${bmcAddress}`,
      { 'bmc.address': bmcAddress },
      (a) => a.bmc.address === bmcAddress,
    );
  }

  /** The asset of `siteId` matching `filter`: the one found last time if it still `matches`, else looked up. */
  private async findRemembered(
    siteId: string,
    what: string,
    filter: Filter<AssetDoc>,
    matches: (asset: AssetDoc) => boolean,
  ): Promise<AssetDoc | null> {
    const key = `${siteId} ${what}`;
    const id = this.bootEventAssets.get(key);
    if (id) {
      const remembered = await this.collection.findOne({ _id: id });
      if (remembered?.siteId === siteId && matches(remembered)) return remembered;
      this.bootEventAssets.delete(key);
    }
    const found = await this.collection.findOne({ ...filter, siteId });
    if (found) {
      if (this.bootEventAssets.size >= MAX_REMEMBERED_BOOT_KEYS) this.bootEventAssets.clear();
      this.bootEventAssets.set(key, found._id);
    }
    return found;
  }
}

/** True when `transition` may apply to an asset in `state` (for API pre-checks and dry runs). */
export function transitionAllowed(state: AssetState, transition: AssetTransition): boolean {
  return nextAssetState(state, transition) !== undefined;
}
