import type { Collection, Db } from 'mongodb';
import { findScoped } from './find-scoped.js';
import { findPage, type Page, type PageRequest } from './page.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';

/** Lifecycle of a cluster. */
export type ClusterStatus =
  /** Accepted; the workflow has not started provisioning. */
  | 'pending'
  /** Nodes are being installed. */
  | 'provisioning'
  /** etcd is being bootstrapped and Kubernetes is coming up. */
  | 'bootstrapping'
  /** Kubernetes answers `/readyz`; the kubeconfig is available. */
  | 'ready'
  /** A step failed; touched nodes were wiped, the rest released. */
  | 'failed'
  /** Nodes are being wiped. */
  | 'deleting'
  | 'deleted';

/** One node of a cluster request. */
export interface ClusterNode {
  assetId: string;
  role: 'controlplane' | 'worker';
  hostname: string;
  ip: string;
  prefix: number;
  /** Chosen install disk; by WWN/serial from the inventory unless the request named a path. */
  installDisk: { wwn?: string; serial?: string; path?: string };
  mac?: string;
}

/** Sealed (SecretBox) Talos artefacts of a cluster. Never returned by the API except the kubeconfig endpoint. */
export interface ClusterSecrets {
  bundle: string;
  talosconfig: string;
  /** Admin kubeconfig generated from the cluster CA (used by the agent to wait for `/readyz`). */
  adminKubeconfig: string;
  machineConfigs: Record<string, string>;
}

/** A `clusters` document. */
export interface ClusterDoc {
  _id: string;
  orgId: string;
  siteId: string;
  name: string;
  type: string;
  flavor: 'talos';
  gateway: string;
  nodes: ClusterNode[];
  dns?: string[];
  ntp?: string[];
  extraSANs?: string[];
  kubernetesVersion: string;
  talosVersion: string;
  status: ClusterStatus;
  currentStep?: string;
  workflowId?: string;
  failure?: { step: string; reason: string; message: string };
  /** Colony's `credentials`, sealed. */
  credentialsSecret?: string;
  secrets?: ClusterSecrets;
  /** The kubeconfig fetched from the cluster itself, sealed; set when ready. */
  kubeconfigSecret?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Data access for clusters: status changes are single guarded updates. */
export class ClusterRepository {
  readonly collection: Collection<ClusterDoc>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.collection = db.collection<ClusterDoc>('clusters');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, name: 1 }, { unique: true });
    await this.collection.createIndex({ orgId: 1, status: 1 });
  }

  async insert(doc: ClusterDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  async get(clusterId: string): Promise<ClusterDoc> {
    const doc = await this.collection.findOne({ _id: clusterId });
    if (!doc) throw new NotFoundError(`Cluster ${clusterId} not found`, { clusterId }, 'CLUSTER_NOT_FOUND');
    return doc;
  }

  /**
   * The cluster if it is of this organization or site, else null. `fields`: read only these (a
   * cluster carries every node's sealed machine config; most readers need one field).
   */
  findScoped(
    clusterId: string,
    scope: { orgId: string } | { siteId: string },
    fields?: readonly string[],
  ): Promise<ClusterDoc | null> {
    return findScoped(this.collection, clusterId, scope, fields);
  }

  /** The cluster's name and status, or null. */
  summary(clusterId: string): Promise<Pick<ClusterDoc, '_id' | 'name' | 'status'> | null> {
    return this.collection.findOne({ _id: clusterId }, { projection: { status: 1, name: 1 } });
  }

  async nameTaken(orgId: string, name: string): Promise<boolean> {
    return (await this.collection.findOne({ orgId, name }, { projection: { _id: 1 } })) !== null;
  }

  /** The organization's clusters in one of `statuses` with a node at one of `ips`. */
  usingIps(orgId: string, statuses: readonly ClusterStatus[], ips: readonly string[]): Promise<ClusterDoc[]> {
    return this.collection.find({ orgId, status: { $in: [...statuses] }, 'nodes.ip': { $in: [...ips] } }).toArray();
  }

  list(orgId: string, filter: { status?: ClusterStatus | undefined }, page: PageRequest): Promise<Page<ClusterDoc>> {
    return findPage(this.collection, { orgId, ...(filter.status ? { status: filter.status } : {}) }, page);
  }

  /** Deletes a cluster whose create workflow could not be started. */
  async remove(clusterId: string): Promise<void> {
    await this.collection.deleteOne({ _id: clusterId });
  }

  /** Moves the cluster to `status` when it is in one of `from`; repeating a move already made is a no-op. */
  async setStatus(
    clusterId: string,
    from: readonly ClusterStatus[],
    status: ClusterStatus,
    set: Partial<ClusterDoc> = {},
  ): Promise<ClusterDoc> {
    const updated = await this.collection.findOneAndUpdate(
      { _id: clusterId, status: { $in: [...from, status] } },
      { $set: { ...set, status, updatedAt: this.now() } },
      { returnDocument: 'after' },
    );
    if (updated) return updated;
    const current = await this.get(clusterId);
    throw new ConflictError(
      `Cluster ${clusterId} is ${current.status}; cannot become ${status}`,
      { clusterId, status: current.status },
      'CLUSTER_BUSY',
    );
  }

  /** Stores generated secrets once; a second call keeps the first (workflow retries must not regenerate PKI). */
  async storeSecretsOnce(clusterId: string, secrets: ClusterSecrets): Promise<ClusterDoc> {
    await this.collection.updateOne(
      { _id: clusterId, secrets: { $exists: false } },
      { $set: { secrets, updatedAt: this.now() } },
    );
    return this.get(clusterId);
  }

  async update(clusterId: string, set: Partial<ClusterDoc>): Promise<void> {
    await this.collection.updateOne({ _id: clusterId }, { $set: { ...set, updatedAt: this.now() } });
  }
}
