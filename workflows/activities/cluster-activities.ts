import { ApplicationFailure } from '@temporalio/common';
import type { AssetRepository } from '../../db/asset-repository.js';
import type { ClusterDoc, ClusterRepository, ClusterStatus } from '../../db/cluster-repository.js';
import { isRackpilotError } from '../../shared/errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import { clusterSecretContext } from '../../shared/secret-contexts.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { CryptoSource } from '../../shared/talos/crypto-source.js';
import {
  generateAdminKubeconfig,
  generateMachineConfigs,
  generateSecretsBundle,
  generateTalosconfig,
  validateClusterInput,
  type TalosClusterInput,
} from '../../shared/talos/index.js';
import { keepAlive } from './keep-alive.js';

/** What the cluster workflow needs to drive its nodes (references and addresses; no secrets). */
export interface ClusterPlan {
  clusterId: string;
  siteId: string;
  talosVersion: string;
  gateway: string;
  /** `https://<endpoint>:6443`. */
  kubernetesEndpoint: string;
  nodes: { assetId: string; role: 'controlplane' | 'worker'; ip: string; prefix: number }[];
}

/** Returns the Talos generator's input for a cluster document. */
export function talosInputOf(cluster: ClusterDoc): TalosClusterInput {
  return {
    clusterName: cluster.name,
    gateway: cluster.gateway,
    nodes: cluster.nodes.map((n) => ({
      role: n.role,
      hostname: n.hostname,
      ip: n.ip,
      prefix: n.prefix,
      mac: n.mac,
      installDisk: n.installDisk,
    })),
    dns: cluster.dns,
    ntp: cluster.ntp,
    extraSANs: cluster.extraSANs,
    kubernetesVersion: cluster.kubernetesVersion,
    talosVersion: cluster.talosVersion,
  };
}

/** Cluster activities: Talos artefact generation (sealed at rest) and status bookkeeping. */
export function createClusterActivities(deps: {
  clusters: ClusterRepository;
  assets: AssetRepository;
  secrets: SecretBox;
  now?: () => Date;
  /** Keys and randomness of new clusters (the worker passes a KeyPool; default: generated on demand). */
  cryptoSource?: CryptoSource;
}) {
  const now = deps.now ?? (() => new Date());

  async function prepare(clusterId: string): Promise<ClusterPlan> {
    let cluster = await guard(() => deps.clusters.get(clusterId));
    if (!cluster.secrets) {
      const input = talosInputOf(cluster);
      const validated = validateClusterInput(input);
      const bundle = await generateSecretsBundle({
        now,
        ...(deps.cryptoSource ? { source: deps.cryptoSource } : {}),
      });
      const configs = generateMachineConfigs(input, bundle);
      const talosconfig = await generateTalosconfig(validated, bundle, { now });
      const kubeconfig = await generateAdminKubeconfig(validated, bundle, { now });
      const seal = (field: string, value: string) => deps.secrets.seal(value, clusterSecretContext(clusterId, field));
      cluster = await deps.clusters.storeSecretsOnce(clusterId, {
        bundle: seal('bundle', JSON.stringify(bundle)),
        talosconfig: seal('talosconfig', talosconfig.yaml),
        adminKubeconfig: seal('adminKubeconfig', kubeconfig.yaml),
        machineConfigs: Object.fromEntries(
          cluster.nodes.map((node, i) => [node.assetId, seal(`machineConfig:${node.assetId}`, configs[i]!.yaml)]),
        ),
      });
    }
    const firstControlPlane = cluster.nodes.find((n) => n.role === 'controlplane');
    return {
      clusterId,
      siteId: cluster.siteId,
      talosVersion: cluster.talosVersion,
      gateway: cluster.gateway,
      kubernetesEndpoint: `https://${firstControlPlane?.ip ?? cluster.nodes[0]!.ip}:6443`,
      nodes: cluster.nodes.map((n) => ({ assetId: n.assetId, role: n.role, ip: n.ip, prefix: n.prefix })),
    };
  }

  return {
    /**
     * Generates the secrets bundle, every node's machine config, the talosconfig and the admin
     * kubeconfig, seals them onto the cluster once (a retry reuses them) and returns the plan.
     */
    async prepareCluster(clusterId: string): Promise<ClusterPlan> {
      return keepAlive(() => prepare(clusterId));
    },

    /**
     * The asset ids of a cluster's nodes that still belong to it. A node that a failed or
     * cancelled creation already wiped or released (its `clusterId` is gone) is clean: wiping it
     * again would only cost time.
     */
    async clusterNodes(clusterId: string): Promise<string[]> {
      const cluster = await guard(() => deps.clusters.get(clusterId));
      const ids = cluster.nodes.map((n) => n.assetId);
      return deps.assets.attachedTo(clusterId, ids);
    },

    async setClusterStatus(
      clusterId: string,
      from: ClusterStatus[],
      status: ClusterStatus,
      currentStep?: string,
    ): Promise<void> {
      await guard(() => deps.clusters.setStatus(clusterId, from, status, currentStep ? { currentStep } : {}));
    },

    async failCluster(clusterId: string, failure: { step: string; reason: string; message: string }): Promise<void> {
      await deps.clusters.update(clusterId, { status: 'failed', failure, currentStep: failure.step });
    },

    /** Returns reserved (never touched) nodes to `available` and detaches them from the cluster. */
    async releaseReservedAssets(assetIds: string[]): Promise<void> {
      for (const assetId of assetIds) {
        try {
          await deps.assets.transition(assetId, 'release', { unset: ['clusterId'] });
        } catch (err) {
          if (!(isRackpilotError(err) && err.code === 'ASSET_BUSY')) throw err;
        }
      }
    },
  };
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRackpilotError(err) && err.code === 'CLUSTER_NOT_FOUND') {
      throw ApplicationFailure.create({ type: FailureTypes.ClusterNotFound, message: err.message, nonRetryable: true });
    }
    if (isRackpilotError(err) && err.code === 'CLUSTER_BUSY') {
      throw ApplicationFailure.create({ type: 'ClusterBusy', message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

export type ClusterActivities = ReturnType<typeof createClusterActivities>;
