import { createHash } from 'node:crypto';
import type { AgentJobDoc } from '../../db/agent-job-repository.js';
import type { AssetRepository } from '../../db/asset-repository.js';
import type { ClusterDoc, ClusterRepository } from '../../db/cluster-repository.js';
import type { AgentBmcCredentials } from '../../shared/agent-protocol.js';
import type { BmcProtocol } from '../../shared/bmc-endpoint.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { verifyFetchedKubeconfig, type TalosSecretsBundle } from '../../shared/talos/index.js';
import { bmcPasswordContext, clusterSecretContext } from '../../shared/secret-contexts.js';

/**
 * What an agent may read about its own site's machines and clusters: the secrets it needs to do
 * a job (BMC password, machine config, talosconfig, admin kubeconfig). Anything of another site
 * answers 404, exactly like something that does not exist.
 */
export class AgentService {
  constructor(private readonly deps: { assets: AssetRepository; clusters: ClusterRepository; secrets: SecretBox }) {}

  async bmcCredentials(siteId: string, assetId: string): Promise<AgentBmcCredentials> {
    const asset = await this.assetOfSite(siteId, assetId);
    const { bmc } = asset;
    return {
      driver: bmc.driver,
      address: bmc.address,
      port: bmc.port,
      username: bmc.username,
      password: this.deps.secrets.open(bmc.passwordSecret, bmcPasswordContext(assetId)),
      cipherSuite: bmc.cipherSuite,
      ...(bmc.redfish ? { redfish: bmc.redfish } : {}),
    };
  }

  /**
   * Records what the BMC of an asset of `siteId` was found to speak, while its driver is `detect`;
   * a protocol already known (enrolled, or recorded by an earlier report) is left as it is.
   */
  async recordBmcProtocol(siteId: string, assetId: string, protocol: BmcProtocol, port: number): Promise<void> {
    const asset = await this.assetOfSite(siteId, assetId);
    if (asset.bmc.driver !== 'detect') return;
    await this.deps.assets.recordBmcProtocol(assetId, protocol, port);
  }

  /** The Talos machine config of a cluster node, for the boot server to serve to that machine only. */
  async machineConfig(siteId: string, assetId: string): Promise<string> {
    const asset = await this.assetOfSite(siteId, assetId);
    if (!asset.clusterId)
      throw new NotFoundError(`Asset ${assetId} belongs to no cluster`, { assetId }, 'MACHINE_CONFIG_NOT_FOUND');
    const cluster = await this.clusterOfSite(siteId, asset.clusterId, [`secrets.machineConfigs.${assetId}`]);
    const sealed = cluster.secrets?.machineConfigs[assetId];
    if (!sealed)
      throw new NotFoundError(`No machine config for asset ${assetId} yet`, { assetId }, 'MACHINE_CONFIG_NOT_FOUND');
    return this.deps.secrets.open(sealed, clusterSecretContext(cluster._id, `machineConfig:${assetId}`));
  }

  async clusterDocument(siteId: string, clusterId: string, which: 'talosconfig' | 'adminKubeconfig'): Promise<string> {
    const cluster = await this.clusterOfSite(siteId, clusterId, [`secrets.${which}`]);
    const sealed = cluster.secrets?.[which];
    if (!sealed)
      throw new NotFoundError(`Cluster ${clusterId} has no ${which} yet`, { clusterId }, 'CLUSTER_NOT_READY');
    return this.deps.secrets.open(sealed, clusterSecretContext(clusterId, which));
  }

  /**
   * Receives the secret part of a `talos.kubeconfig` result: checks the kubeconfig really belongs
   * to the cluster (its CA and client cert chain to the cluster's Kubernetes CA), seals it onto
   * the cluster, and returns what the workflow may see (a digest).
   */
  async storeSecretResult(job: AgentJobDoc, result: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { clusterId } = job.payload as { clusterId: string };
    const kubeconfig = String(result.kubeconfig ?? '');
    const cluster = await this.clusterOfSite(job.siteId, clusterId, ['secrets.bundle']);
    if (!cluster.secrets)
      throw new NotFoundError(`Cluster ${clusterId} has no secrets`, { clusterId }, 'CLUSTER_NOT_READY');
    const bundle = JSON.parse(
      this.deps.secrets.open(cluster.secrets.bundle, clusterSecretContext(clusterId, 'bundle')),
    ) as TalosSecretsBundle;
    try {
      verifyFetchedKubeconfig(kubeconfig, bundle);
    } catch (err) {
      throw new ValidationError(
        'The kubeconfig does not belong to this cluster',
        { reason: (err as Error).message },
        'KUBECONFIG_UNTRUSTED',
      );
    }
    await this.deps.clusters.update(clusterId, {
      kubeconfigSecret: this.deps.secrets.seal(kubeconfig, clusterSecretContext(clusterId, 'kubeconfig')),
    });
    return { storedSecret: { sha256: createHash('sha256').update(kubeconfig).digest('hex') } };
  }

  private async assetOfSite(siteId: string, assetId: string) {
    const asset = await this.deps.assets.findScoped(assetId, { siteId });
    if (!asset) throw new NotFoundError(`Asset ${assetId} not found`, { assetId }, 'ASSET_NOT_FOUND');
    return asset;
  }

  /** The cluster if it is of `siteId`, with only `fields` read (its secrets: one of them is needed, not all). */
  private async clusterOfSite(siteId: string, clusterId: string, fields: string[]): Promise<ClusterDoc> {
    const cluster = await this.deps.clusters.findScoped(clusterId, { siteId }, fields);
    if (!cluster) throw new NotFoundError(`Cluster ${clusterId} not found`, { clusterId }, 'CLUSTER_NOT_FOUND');
    return cluster;
  }
}
