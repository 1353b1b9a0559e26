import type { AssetDoc, AssetRepository } from '../../db/asset-repository.js';
import type { ClusterDoc, ClusterNode, ClusterRepository } from '../../db/cluster-repository.js';
import { newId } from '../../db/ids.js';
import type { ClusterStatus } from '../../db/cluster-repository.js';
import { ConflictError, NotFoundError, ValidationError, isRackpilotError } from '../../shared/errors.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { validateClusterInput, type FieldProblem as TalosProblem } from '../../shared/talos/validate-cluster-input.js';
import type { TalosClusterInput } from '../../shared/talos/cluster-input.js';
import { clusterSecretContext } from '../../shared/secret-contexts.js';
import type { PageRequest } from '../../db/page.js';
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import type { ClusterNodeBody, CreateClusterBody } from '../routes/clusters/schema.js';
import type { WorkflowType } from '../../db/workflow-index-repository.js';
import type { WorkflowService } from './workflow-service.js';

/** One thing wrong with a cluster request; `code` decides the status when it is not a dry run. */
export interface ClusterProblem {
  field: string;
  message: string;
  code: 'VALIDATION_FAILED' | 'ASSET_NOT_FOUND' | 'ASSET_BUSY' | 'CLUSTER_NAME_TAKEN' | 'IP_IN_USE';
}

export interface PlannedNode {
  field: string;
  assetId: string;
  role: 'controlplane' | 'worker';
  hostname: string | null;
  ip: string;
  prefix: number;
  installDisk: ClusterNode['installDisk'] | null;
  mac: string | null;
}

export interface ClusterPlan {
  name: string;
  siteId: string | null;
  nodes: PlannedNode[];
  steps: string[];
  problems: ClusterProblem[];
}

/** The steps `clusterCreate` runs, in order. */
export const CLUSTER_CREATE_STEPS = [
  'Reserve assets',
  'Generate Talos configs',
  'Provision nodes',
  'Bootstrap etcd',
  'Wait for Kubernetes',
  'Fetch kubeconfig',
  'Mark ready',
];

/** Clusters whose create workflow is still at work. */
const CREATING: readonly ClusterStatus[] = ['pending', 'provisioning', 'bootstrapping'];

/** Clusters whose nodes still hold their IPs and assets. */
const LIVE: readonly ClusterStatus[] = ['pending', 'provisioning', 'bootstrapping', 'ready', 'failed', 'deleting'];

/** Clusters: validation and planning, creation (reserve → record → start workflow), reads, deletion, kubeconfig. */
export class ClusterService {
  constructor(
    private readonly deps: {
      clusters: ClusterRepository;
      assets: AssetRepository;
      workflows: WorkflowService;
      secrets: SecretBox;
      now: () => Date;
      /** Nodes of one cluster provisioned or wiped at once (RACKPILOT_MAX_PARALLEL_NODES); unset = the workflows' 50. */
      maxParallelNodes?: number;
    },
  ) {}

  /** Checks everything about a request against the organization's assets and clusters; changes nothing. */
  async plan(orgId: string, body: CreateClusterBody): Promise<ClusterPlan> {
    const problems: ClusterProblem[] = [];
    const invalid = (field: string, message: string) => problems.push({ field, message, code: 'VALIDATION_FAILED' });

    if (await this.deps.clusters.nameTaken(orgId, body.name))
      problems.push({
        field: 'name',
        message: `A cluster named ${body.name} already exists`,
        code: 'CLUSTER_NAME_TAKEN',
      });

    const requested: { field: string; role: ClusterNode['role']; node: ClusterNodeBody }[] = [
      ...body.controlPlanes.map((node, i) => ({ field: `controlPlanes.${i}`, role: 'controlplane' as const, node })),
      ...body.workers.map((node, i) => ({ field: `workers.${i}`, role: 'worker' as const, node })),
    ];
    const ids = [...new Set(requested.map((r) => r.node.assetId))];
    const found = await this.deps.assets.findManyInOrg(orgId, ids);
    const assets = new Map(found.map((a) => [a._id, a]));
    const siteId = found[0]?.siteId ?? null;

    const seen = new Map<string, string>();
    const seenIps = new Map<string, string>();
    const nodes: PlannedNode[] = [];
    for (const { field, role, node } of requested) {
      const earlier = seen.get(node.assetId);
      if (earlier !== undefined) invalid(`${field}.assetId`, `asset ${node.assetId} is already listed at ${earlier}`);
      else seen.set(node.assetId, field);
      const earlierIp = seenIps.get(node.ip);
      if (earlierIp !== undefined) invalid(`${field}.ip`, `${node.ip} is already used by ${earlierIp}`);
      else seenIps.set(node.ip, field);
      if (node.installDisk && node.diskDevice !== undefined)
        invalid(`${field}.diskDevice`, 'give either installDisk or diskDevice, not both');

      const asset = assets.get(node.assetId);
      if (!asset) {
        problems.push({
          field: `${field}.assetId`,
          message: `Asset ${node.assetId} not found`,
          code: 'ASSET_NOT_FOUND',
        });
      } else {
        if (asset.siteId !== siteId)
          invalid(`${field}.assetId`, `asset ${asset._id} is in site ${asset.siteId}, not ${String(siteId)}`);
        if (asset.state !== 'available')
          problems.push({
            field: `${field}.assetId`,
            message: `Asset ${asset._id} is ${asset.state}, not available`,
            code: 'ASSET_BUSY',
          });
      }
      const installDisk = this.installDiskFor(node, asset, field, invalid);
      nodes.push({
        field,
        assetId: node.assetId,
        role,
        hostname: node.hostname ?? asset?.hostname ?? null,
        ip: node.ip,
        prefix: node.subnet,
        installDisk,
        mac: asset ? macOf(asset) : null,
      });
    }
    // Hostnames default to `<cluster>-cp-<n>` / `<cluster>-worker-<n>` when neither request nor asset names one.
    const counters = { controlplane: 0, worker: 0 };
    for (const node of nodes) {
      counters[node.role] += 1;
      node.hostname ??= `${body.name}-${node.role === 'controlplane' ? 'cp' : 'worker'}-${counters[node.role]}`;
    }

    this.checkTalos(body, nodes, problems, invalid);

    const inUse = await this.deps.clusters.usingIps(
      orgId,
      LIVE,
      nodes.map((n) => n.ip),
    );
    for (const node of nodes) {
      const other = inUse.find((c) => c.nodes.some((n) => n.ip === node.ip));
      if (other)
        problems.push({
          field: `${node.field}.ip`,
          message: `${node.ip} is used by cluster ${other.name}`,
          code: 'IP_IN_USE',
        });
    }
    return { name: body.name, siteId, nodes, steps: CLUSTER_CREATE_STEPS, problems };
  }

  /** The request's disk, else the inventory's first non-rotational disk (by serial/WWN); never a guess. */
  private installDiskFor(
    node: ClusterNodeBody,
    asset: AssetDoc | undefined,
    field: string,
    invalid: (field: string, message: string) => void,
  ): ClusterNode['installDisk'] | null {
    if (node.installDisk) {
      const { wwn, serial, path } = node.installDisk;
      if (wwn === undefined && serial === undefined && path === undefined) {
        invalid(`${field}.installDisk`, 'name a wwn, serial or path');
        return null;
      }
      const problem = asset?.inventory ? unknownDisk(asset, node.installDisk) : null;
      if (problem) invalid(`${field}.installDisk`, problem);
      return { ...(wwn ? { wwn } : {}), ...(serial ? { serial } : {}), ...(path ? { path } : {}) };
    }
    if (node.diskDevice !== undefined) {
      const problem = asset?.inventory ? unknownDisk(asset, { path: node.diskDevice }) : null;
      if (problem) invalid(`${field}.diskDevice`, problem);
      return { path: node.diskDevice };
    }
    if (!asset) return null;
    const disks = (asset.inventory?.disks ?? []).filter((d) => d.type === 'disk' && (d.serial || d.wwn));
    const disk = disks.find((d) => !d.rotational);
    if (!asset.inventory) {
      invalid(`${field}.installDisk`, `asset ${asset._id} has no inventory yet; name the install disk`);
      return null;
    }
    if (!disk) {
      invalid(`${field}.installDisk`, `asset ${asset._id} has no non-rotational disk with a serial or WWN; name one`);
      return null;
    }
    return { ...(disk.serial ? { serial: disk.serial } : {}), ...(disk.wwn ? { wwn: disk.wwn } : {}) };
  }

  /** Runs the Talos validator over the request and maps `nodes[3].ip` back to `workers.1.ip`. */
  private checkTalos(
    body: CreateClusterBody,
    nodes: PlannedNode[],
    problems: ClusterProblem[],
    invalid: (field: string, message: string) => void,
  ): void {
    const input: TalosClusterInput = {
      clusterName: body.name,
      gateway: body.gateway,
      nodes: nodes.map((n) => ({
        role: n.role,
        hostname: n.hostname ?? '',
        ip: n.ip,
        prefix: n.prefix,
        ...(n.mac ? { mac: n.mac } : {}),
        installDisk: n.installDisk ?? { path: '/dev/placeholder' },
      })),
      ...(body.dns ? { dns: body.dns } : {}),
      ...(body.ntp ? { ntp: body.ntp } : {}),
      ...(body.extraSANs ? { extraSANs: body.extraSANs } : {}),
      kubernetesVersion: body.kubernetesVersion,
      talosVersion: body.talosVersion,
    };
    const reported = new Set(problems.map((p) => p.field));
    try {
      validateClusterInput(input);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const p of err.details as TalosProblem[]) {
        const match = /^nodes\[(\d+)\](.*)$/.exec(p.field);
        const node = match ? nodes[Number(match[1])] : undefined;
        let field = node ? `${node.field}${match![2]!}` : p.field.replace(/\[(\d+)\]/g, '.$1');
        let message = p.problem;
        if (node) {
          // Already explained by the node's own checks (unknown or repeated asset, missing disk, repeated IP).
          if (
            reported.has(`${node.field}.assetId`) ||
            (field.includes('.installDisk') && reported.has(`${node.field}.installDisk`))
          )
            continue;
          if (field.endsWith('.ip') && reported.has(field)) continue;
          if (field.endsWith('.prefix')) field = `${node.field}.subnet`;
          if (field.endsWith('.mac')) {
            field = `${node.field}.assetId`;
            message = `asset ${node.assetId} has no known MAC address (no inventory yet)`;
          }
        }
        if (reported.has(field) && problems.some((q) => q.field === field && q.message === message)) continue;
        invalid(field, message);
      }
    }
  }

  /**
   * Creates a cluster: every check of `plan` must pass; all assets are reserved (or none), the
   * cluster is stored `pending` and `clusterCreate` is started. Nothing is left behind on failure.
   */
  async create(
    orgId: string,
    body: CreateClusterBody,
    options: { indexType?: WorkflowType; assetId?: string } = {},
  ): Promise<{ cluster: ClusterDoc; workflowId: string }> {
    const plan = await this.plan(orgId, body);
    throwFor(plan.problems);
    const id = newId('clu');
    const workflowId = `cluster-create-${id}`;
    const reserved: string[] = [];
    try {
      for (const node of plan.nodes) {
        await this.deps.assets.transition(node.assetId, 'reserve', { set: { clusterId: id } });
        reserved.push(node.assetId);
      }
    } catch (err) {
      await this.release(reserved);
      if (isRackpilotError(err) && err.code === 'ASSET_BUSY')
        throw new ConflictError(`Could not reserve every asset: ${err.message}`, err.details, 'ASSET_BUSY');
      throw err;
    }
    const at = this.deps.now();
    const cluster: ClusterDoc = {
      _id: id,
      orgId,
      siteId: plan.siteId!,
      name: body.name,
      type: body.type,
      flavor: 'talos',
      gateway: body.gateway,
      nodes: plan.nodes.map((n) => ({
        assetId: n.assetId,
        role: n.role,
        hostname: n.hostname!,
        ip: n.ip,
        prefix: n.prefix,
        installDisk: n.installDisk!,
        ...(n.mac ? { mac: n.mac } : {}),
      })),
      ...(body.dns ? { dns: body.dns } : {}),
      ...(body.ntp ? { ntp: body.ntp } : {}),
      ...(body.extraSANs ? { extraSANs: body.extraSANs } : {}),
      kubernetesVersion: body.kubernetesVersion,
      talosVersion: body.talosVersion,
      status: 'pending',
      workflowId,
      ...(body.credentials
        ? {
            credentialsSecret: this.deps.secrets.seal(
              JSON.stringify(body.credentials),
              clusterSecretContext(id, 'credentials'),
            ),
          }
        : {}),
      createdAt: at,
      updatedAt: at,
    };
    try {
      await this.deps.clusters.insert(cluster);
    } catch (err) {
      await this.release(reserved);
      if (isDuplicateKeyError(err))
        throw new ConflictError(
          `A cluster named ${body.name} already exists`,
          { name: body.name },
          'CLUSTER_NAME_TAKEN',
        );
      throw err;
    }
    try {
      await this.deps.workflows.start({
        orgId,
        workflowType: 'clusterCreate',
        indexType: options.indexType ?? 'cluster-provision',
        workflowId,
        args: [{ clusterId: id, ...this.fanOut() }],
        target: { clusterId: id, ...(options.assetId ? { assetId: options.assetId } : {}) },
      });
    } catch (err) {
      await this.deps.workflows.forget(workflowId);
      await this.deps.clusters.remove(id);
      await this.release(reserved);
      throw err;
    }
    return { cluster, workflowId };
  }

  private fanOut(): { maxParallelNodes?: number } {
    return this.deps.maxParallelNodes === undefined ? {} : { maxParallelNodes: this.deps.maxParallelNodes };
  }

  private async release(assetIds: string[]): Promise<void> {
    for (const assetId of assetIds)
      await this.deps.assets.transition(assetId, 'release', { unset: ['clusterId'] }).catch(() => undefined);
  }

  list(orgId: string, filter: { status?: ClusterStatus | undefined }, page: PageRequest) {
    return this.deps.clusters.list(orgId, filter, page);
  }

  async get(orgId: string, id: string): Promise<ClusterDoc> {
    const cluster = await this.deps.clusters.findScoped(id, { orgId });
    if (!cluster) throw new NotFoundError(`Cluster ${id} not found`, { clusterId: id }, 'CLUSTER_NOT_FOUND');
    return cluster;
  }

  /** The states of the assets behind these clusters' nodes. */
  async nodeAssets(orgId: string, clusters: ClusterDoc[]): Promise<Map<string, AssetDoc>> {
    const ids = [...new Set(clusters.flatMap((c) => c.nodes.map((n) => n.assetId)))];
    if (ids.length === 0) return new Map();
    const assets = await this.deps.assets.findManyInOrg(orgId, ids);
    return new Map(assets.map((a) => [a._id, a]));
  }

  /**
   * Starts `clusterDelete` (wipes and releases every node); 409 CLUSTER_BUSY when already deleting
   * or deleted. A cluster still being created has its create workflow cancelled first: the
   * delete waits for that run's compensation, then wipes whatever is still attached.
   */
  async delete(orgId: string, id: string): Promise<{ workflowId: string }> {
    const cluster = await this.get(orgId, id);
    const workflowId = `cluster-delete-${id}`;
    const busy = () =>
      new ConflictError(
        `Cluster ${id} is ${cluster.status === 'deleted' ? 'deleted' : 'being deleted'}`,
        { clusterId: id, status: cluster.status, workflowId: cluster.workflowId ?? null },
        'CLUSTER_BUSY',
      );
    if (cluster.status === 'deleting' || cluster.status === 'deleted') throw busy();
    if (cluster.workflowId === workflowId && (await this.deps.workflows.isRunning(orgId, workflowId))) throw busy();
    let awaitWorkflowId: string | undefined;
    if (CREATING.includes(cluster.status) && cluster.workflowId) {
      awaitWorkflowId = cluster.workflowId;
      await this.deps.workflows.cancel(orgId, awaitWorkflowId).catch((err: unknown) => {
        // Finished in the meantime: nothing to stop.
        if (!(isRackpilotError(err) && (err.code === 'WORKFLOW_FINISHED' || err.code === 'WORKFLOW_NOT_FOUND')))
          throw err;
      });
    }
    await this.deps.workflows.start({
      orgId,
      workflowType: 'clusterDelete',
      indexType: 'cluster-delete',
      workflowId,
      args: [{ clusterId: id, ...(awaitWorkflowId ? { awaitWorkflowId } : {}), ...this.fanOut() }],
      target: { clusterId: id },
    });
    await this.deps.clusters.update(id, { workflowId });
    return { workflowId };
  }

  /** The kubeconfig of a ready cluster; 409 CLUSTER_NOT_READY before. */
  async kubeconfig(orgId: string, id: string): Promise<{ name: string; yaml: string }> {
    const cluster = await this.get(orgId, id);
    if (cluster.status !== 'ready' || cluster.kubeconfigSecret === undefined)
      throw new ConflictError(
        `Cluster ${id} is ${cluster.status}; its kubeconfig is available once it is ready`,
        { clusterId: id, status: cluster.status },
        'CLUSTER_NOT_READY',
      );
    return {
      name: cluster.name,
      yaml: this.deps.secrets.open(cluster.kubeconfigSecret, clusterSecretContext(id, 'kubeconfig')),
    };
  }
}

/** Throws the error the worst problem calls for: 400 before 404 before 409, every problem in `details.fields`. */
function throwFor(problems: ClusterProblem[]): void {
  if (problems.length === 0) return;
  const fields = problems.map((p) => ({ in: 'body', field: p.field, message: p.message, code: p.code }));
  const names = [...new Set(problems.map((p) => p.field))].join(', ');
  if (problems.some((p) => p.code === 'VALIDATION_FAILED'))
    throw new ValidationError(`Invalid cluster request: ${names}`, { fields });
  const notFound = problems.find((p) => p.code === 'ASSET_NOT_FOUND');
  if (notFound) throw new NotFoundError(notFound.message, { fields }, 'ASSET_NOT_FOUND');
  const first = problems[0]!;
  throw new ConflictError(first.message, { fields }, first.code);
}

/**
 * Why a requested install disk does not name one disk of the asset's inventory (null when it
 * does): Talos must never install on a disk other than the one the operator meant.
 */
function unknownDisk(asset: AssetDoc, want: { wwn?: string; serial?: string; path?: string }): string | null {
  const bare = (wwn: string) => wwn.toLowerCase().replace(/^0x|^eui\.|^naa\./, '');
  const disks = (asset.inventory?.disks ?? []).filter((d) => d.type === 'disk');
  const matches = disks.filter(
    (d) =>
      (want.serial === undefined || d.serial === want.serial) &&
      (want.wwn === undefined || (d.wwn !== null && bare(d.wwn) === bare(want.wwn))) &&
      (want.path === undefined || d.path === want.path),
  );
  if (matches.length === 1) return null;
  const named = Object.entries(want)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const known = disks.map((d) => `${d.path} (serial ${d.serial ?? '-'}, wwn ${d.wwn ?? '-'})`).join('; ');
  return matches.length === 0
    ? `asset ${asset._id} has no disk with ${named}; its disks: ${known || 'none'}`
    : `${named} matches ${matches.length} disks of asset ${asset._id}; name it by serial or WWN`;
}

function macOf(asset: AssetDoc): string | null {
  const nics = asset.inventory?.nics ?? [];
  return (nics.find((n) => n.state === 'up') ?? nics[0])?.mac ?? asset.macs[0] ?? null;
}
