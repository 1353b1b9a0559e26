import { randomBytes } from 'node:crypto';
import type { AssetDoc, AssetRepository } from '../../db/asset-repository.js';
import type { ClusterDoc } from '../../db/cluster-repository.js';
import { ConflictError, NotFoundError, RackpilotError, ValidationError } from '../../shared/errors.js';
import type { ProvisionAssetBody } from '../routes/assets/schema.js';
import type { CreateClusterBody } from '../routes/clusters/schema.js';
import type { ClusterPlan, ClusterService } from './cluster-service.js';

/** The Colony `type` of the single-node cluster behind a standalone machine. */
export const STANDALONE_CLUSTER_TYPE = 'standalone';

/** Where a cluster-request field comes from in a provision request (so errors name the caller's fields). */
const FIELD_OF: [RegExp, string][] = [
  [/^controlPlanes\.0\.ip$/, 'network.ip'],
  [/^controlPlanes\.0\.subnet$/, 'network.subnet'],
  [/^gateway$/, 'network.gateway'],
  [/^controlPlanes\.0\.(installDisk|diskDevice)(\..*)?$/, 'installDisk'],
  [/^controlPlanes\.0\.assetId$/, 'id'],
  [/^controlPlanes\.0\.hostname$/, 'hostname'],
  [/^talosVersion$/, 'version'],
];

/** Maps a cluster-request field to the provision request's name for it. */
export function provisionField(field: string): string {
  for (const [pattern, name] of FIELD_OF) if (pattern.test(field)) return name;
  return field;
}

/**
 * `POST /assets/{id}/provision`: installs Talos on one machine. A Talos machine always belongs to
 * a cluster (its PKI, its config), so a standalone machine is a single-node cluster of type
 * `standalone` whose control plane also runs workloads: it gets the same validation, reservation,
 * install-disk rules, durable workflow and kubeconfig as any cluster, and is deleted (wiped) the
 * same way. The workflow is indexed as `os-provision`, targeting the asset and the cluster.
 */
export class ProvisionService {
  constructor(private readonly deps: { assets: AssetRepository; clusters: ClusterService }) {}

  /** The cluster request a provision request stands for. */
  private clusterRequest(asset: AssetDoc, body: ProvisionAssetBody): CreateClusterBody {
    const base =
      (body.hostname ?? asset.hostname?.split('.')[0] ?? '')
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 50) || 'talos';
    const disk = body.installDisk;
    return {
      name: body.name ?? `${base}-${randomBytes(3).toString('hex')}`,
      type: STANDALONE_CLUSTER_TYPE,
      flavor: 'talos',
      gateway: body.network.gateway,
      controlPlanes: [
        {
          assetId: asset._id,
          ip: body.network.ip,
          subnet: body.network.subnet,
          ...(body.hostname ? { hostname: body.hostname } : {}),
          ...(typeof disk === 'string' ? { diskDevice: disk } : disk ? { installDisk: disk } : {}),
        },
      ],
      workers: [],
      ...(body.dns ? { dns: body.dns } : {}),
      ...(body.ntp ? { ntp: body.ntp } : {}),
      kubernetesVersion: body.kubernetesVersion,
      talosVersion: body.version.startsWith('v') ? body.version : `v${body.version}`,
    };
  }

  /** Validates the request and returns the plan with every problem found (named in the request's terms); changes nothing. */
  async plan(
    orgId: string,
    assetId: string,
    body: ProvisionAssetBody,
  ): Promise<{ plan: ClusterPlan; request: CreateClusterBody }> {
    const request = this.clusterRequest(await this.asset(orgId, assetId), body);
    const plan = await this.deps.clusters.plan(orgId, request);
    return {
      plan: { ...plan, problems: plan.problems.map((p) => ({ ...p, field: provisionField(p.field) })) },
      request,
    };
  }

  /**
   * Reserves the asset and starts the install. An asset that is not `available` is a state
   * conflict, 409 ASSET_BUSY with its state, whatever else the request gets wrong (fixing the
   * request would not help). Exactly one of any number of concurrent requests on one asset wins
   * (the reservation is the gate); the rest get 409 ASSET_BUSY.
   */
  async provision(
    orgId: string,
    assetId: string,
    body: ProvisionAssetBody,
  ): Promise<{ cluster: ClusterDoc; workflowId: string }> {
    const asset = await this.asset(orgId, assetId);
    if (asset.state !== 'available') throw busy(assetId, asset.state);
    try {
      return await this.deps.clusters.create(orgId, this.clusterRequest(asset, body), {
        indexType: 'os-provision',
        assetId,
      });
    } catch (err) {
      const error = renamed(err);
      if (error instanceof ConflictError) {
        // A request that lost the race to another on the same asset may trip over the winner's
        // reservation, or over its address already taken by the winner's cluster: either way the
        // asset is busy, and the caller learns the state that won.
        const state = (await this.asset(orgId, assetId)).state;
        if (error.code !== 'ASSET_BUSY' && state === 'available') throw error;
        throw busy(assetId, state, error.details);
      }
      throw error;
    }
  }

  private async asset(orgId: string, assetId: string): Promise<AssetDoc> {
    const asset = await this.deps.assets.findScoped(assetId, { orgId });
    if (!asset) throw new NotFoundError(`Asset ${assetId} not found`, { assetId }, 'ASSET_NOT_FOUND');
    return asset;
  }
}

/** 409 ASSET_BUSY: the asset's state (`details.state`) forbids provisioning it. */
function busy(assetId: string, state: string, details?: unknown): ConflictError {
  return new ConflictError(
    `Asset ${assetId} is ${state}; only an available asset can be provisioned`,
    { ...(details as object | undefined), assetId, state },
    'ASSET_BUSY',
  );
}

/** The same error with the cluster-request field names replaced by the provision request's. */
function renamed(err: unknown): unknown {
  if (!(err instanceof RackpilotError)) return err;
  const details = err.details as { fields?: { field: string }[] } | undefined;
  if (!details?.fields) return err;
  const fields = details.fields.map((f) => ({ ...f, field: provisionField(f.field) }));
  const names = [...new Set(fields.map((f) => f.field))].join(', ');
  const next = { ...details, fields };
  if (err instanceof ValidationError) return new ValidationError(`Invalid provision request: ${names}`, next, err.code);
  if (err instanceof NotFoundError) return new NotFoundError(err.message, next, err.code);
  if (err instanceof ConflictError) return new ConflictError(err.message, next, err.code);
  return err;
}
