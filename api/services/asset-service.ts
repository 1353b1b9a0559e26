import { randomBytes } from 'node:crypto';
import type { BootMethod } from '../../shared/boot-method.js';
import { newId } from '../../db/ids.js';
import type { AssetDoc, AssetListFilter, AssetRepository } from '../../db/asset-repository.js';
import type { ClusterRepository } from '../../db/cluster-repository.js';
import type { SiteRepository } from '../../db/site-repository.js';
import { DEFAULT_BMC_PORT, type BmcDriverChoice, type RedfishSettings } from '../../shared/bmc-endpoint.js';
import { ConflictError, NotFoundError, isRackpilotError } from '../../shared/errors.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { WipeMethod } from '../../shared/wipe-report.js';
import type { PageRequest } from '../../db/page.js';
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import { bmcPasswordContext } from '../../shared/secret-contexts.js';
import type { WorkflowService } from './workflow-service.js';

/** What enrolling one asset takes (validated by the route). */
export interface NewAsset {
  siteId: string;
  bmc: {
    address: string;
    /** Omitted: the driver's default port. */
    port?: number;
    username: string;
    password: string;
    driver: BmcDriverChoice;
    cipherSuite: number;
    redfish?: RedfishSettings;
  };
  /** Omitted: pxe. */
  bootMethod?: BootMethod;
  hostname?: string | undefined;
  labels?: Record<string, string> | undefined;
}

/** Assets: enrolment by BMC (starts discovery), reads, edits, deletion, wipe and maintenance. */
export class AssetService {
  constructor(
    private readonly deps: {
      assets: AssetRepository;
      sites: SiteRepository;
      clusters: ClusterRepository;
      workflows: WorkflowService;
      secrets: SecretBox;
      now: () => Date;
    },
  ) {}

  /** Throws SITE_NOT_FOUND (404) unless the site exists in the organization. */
  async assertSite(orgId: string, siteId: string): Promise<void> {
    if (!(await this.deps.sites.findInOrg(orgId, siteId)))
      throw new NotFoundError(`Site ${siteId} not found`, { siteId }, 'SITE_NOT_FOUND');
  }

  /**
   * Enrols an asset: stores it (password sealed) as `enrolling` and starts its discovery. When the
   * workflow cannot be started the asset is removed again: nothing is left half-created.
   */
  async enrol(orgId: string, input: NewAsset): Promise<{ asset: AssetDoc; workflowId: string }> {
    await this.assertSite(orgId, input.siteId);
    const id = newId('ast');
    const workflowId = `discovery-${id}`;
    const at = this.deps.now();
    const { password, port, ...rest } = input.bmc;
    // detect stores IPMI's port: the agent probes Redfish at its own port (443) and reports which answered.
    const bmc = { ...rest, port: port ?? DEFAULT_BMC_PORT[rest.driver === 'redfish' ? 'redfish' : 'ipmi'] };
    const asset: AssetDoc = {
      _id: id,
      orgId,
      siteId: input.siteId,
      ...(input.hostname !== undefined ? { hostname: input.hostname } : {}),
      state: 'enrolling',
      version: 1,
      bmc: { ...bmc, passwordSecret: this.deps.secrets.seal(password, bmcPasswordContext(id)) },
      labels: input.labels ?? {},
      ...(input.bootMethod === 'virtual-media' ? { bootMethod: input.bootMethod } : {}),
      macs: [],
      workflowId,
      createdAt: at,
      updatedAt: at,
    };
    try {
      await this.deps.assets.insert(asset);
    } catch (err) {
      if (isDuplicateKeyError(err))
        throw new ConflictError(
          `An asset with BMC ${bmc.address}:${bmc.port} already exists in site ${input.siteId}`,
          { siteId: input.siteId, address: bmc.address, port: bmc.port },
          'ASSET_EXISTS',
        );
      throw err;
    }
    try {
      await this.deps.workflows.start({
        orgId,
        workflowType: 'discovery',
        indexType: 'discovery',
        workflowId,
        args: [{ assetId: id }],
        target: { assetId: id },
      });
    } catch (err) {
      await this.deps.assets.remove(id);
      await this.deps.workflows.forget(workflowId);
      throw err;
    }
    return { asset, workflowId };
  }

  list(orgId: string, filter: AssetListFilter, page: PageRequest) {
    return this.deps.assets.list(orgId, filter, page);
  }

  async get(orgId: string, id: string): Promise<AssetDoc> {
    const asset = await this.deps.assets.findScoped(id, { orgId });
    if (!asset) throw new NotFoundError(`Asset ${id} not found`, { assetId: id }, 'ASSET_NOT_FOUND');
    return asset;
  }

  /** Changes hostname and/or labels (labels replace the previous set; null values remove a label). */
  async update(
    orgId: string,
    id: string,
    change: { hostname?: string | null | undefined; labels?: Record<string, string | null> | undefined },
  ): Promise<AssetDoc> {
    const current = await this.get(orgId, id);
    const set: Partial<AssetDoc> = { updatedAt: this.deps.now() };
    const unset: Record<string, ''> = {};
    if (change.hostname === null) unset.hostname = '';
    else if (change.hostname !== undefined) set.hostname = change.hostname;
    if (change.labels) {
      const labels = { ...current.labels };
      for (const [k, v] of Object.entries(change.labels)) {
        if (v === null) delete labels[k];
        else labels[k] = v;
      }
      set.labels = labels;
    }
    const updated = await this.deps.assets.updateInOrg(orgId, id, set, unset);
    if (!updated) throw new NotFoundError(`Asset ${id} not found`, { assetId: id }, 'ASSET_NOT_FOUND');
    return updated;
  }

  /** Deletes an asset that is `available` or `error`; 409 ASSET_BUSY otherwise. */
  async delete(orgId: string, id: string): Promise<void> {
    const asset = await this.get(orgId, id);
    if (asset.state !== 'available' && asset.state !== 'error')
      throw new ConflictError(
        `Asset ${id} is ${asset.state}; only available or error assets can be deleted`,
        { assetId: id, state: asset.state },
        'ASSET_BUSY',
      );
    if (!(await this.deps.assets.deleteAtVersion(orgId, id, asset.version)))
      throw new ConflictError(`Asset ${id} changed while being deleted`, { assetId: id }, 'ASSET_BUSY');
  }

  /**
   * Starts a wipe. The state transition is the gate: exactly one of any number of concurrent
   * requests moves the asset to `wiping` and starts the workflow; the others get ASSET_BUSY.
   */
  async wipe(orgId: string, id: string, mode: WipeMethod): Promise<{ workflowId: string }> {
    const asset = await this.get(orgId, id);
    await this.assertNotClusterNode(asset);
    const workflowId = `wipe-${id}-${randomBytes(4).toString('hex')}`;
    await this.deps.assets.transition(id, 'startWipe', { workflowId, unset: ['lastError'] });
    try {
      await this.deps.workflows.start({
        orgId,
        workflowType: 'wipe',
        indexType: 'disk-wipe',
        workflowId,
        args: [{ assetId: id, mode }],
        target: { assetId: id },
      });
    } catch (err) {
      await this.deps.workflows.forget(workflowId);
      const message = isRackpilotError(err) || err instanceof Error ? err.message : String(err);
      await this.deps.assets
        .transition(id, 'fail', {
          set: {
            lastError: { step: 'start', reason: 'WORKFLOW_NOT_STARTED', message, workflowId, at: this.deps.now() },
          },
        })
        .catch(() => undefined);
      throw err;
    }
    return { workflowId };
  }

  /**
   * Throws 409 ASSET_IN_CLUSTER when the asset is a node of a cluster that still uses it: a
   * node is wiped by deleting its cluster, never behind the cluster's back (DESIGN.md). Nodes of
   * a failed cluster may be wiped (their compensation may have left them in error).
   */
  private async assertNotClusterNode(asset: AssetDoc): Promise<void> {
    if (!asset.clusterId) return;
    const cluster = await this.deps.clusters.summary(asset.clusterId);
    if (!cluster || cluster.status === 'failed' || cluster.status === 'deleted') return;
    throw new ConflictError(
      `Asset ${asset._id} is a node of cluster ${cluster.name} (${cluster.status}); delete the cluster to wipe its nodes`,
      { assetId: asset._id, clusterId: asset.clusterId, clusterStatus: cluster.status, state: asset.state },
      'ASSET_IN_CLUSTER',
    );
  }

  /** Puts the asset into maintenance or takes it out (409 ASSET_BUSY when its state forbids it). */
  async maintenance(orgId: string, id: string, enabled: boolean): Promise<AssetDoc> {
    const asset = await this.get(orgId, id);
    if (enabled && asset.state === 'maintenance') return asset;
    if (!enabled && asset.state !== 'maintenance') return asset;
    return this.deps.assets.transition(id, enabled ? 'enterMaintenance' : 'leaveMaintenance');
  }
}
