import { z } from 'zod';
import type { AssetDoc } from '../../db/asset-repository.js';
import type { ClusterDoc } from '../../db/cluster-repository.js';
import { ASSET_STATES } from '../../shared/asset-state.js';
import { CLUSTER_STATUSES } from '../routes/clusters/schema.js';
import type { ClusterPlan } from '../services/cluster-service.js';

const dateTime = z.iso.datetime();

const installDiskSchema = z.strictObject({
  wwn: z.string().nullable(),
  serial: z.string().nullable(),
  path: z.string().nullable(),
});

const nodeSchema = z.strictObject({
  assetId: z.string(),
  role: z.enum(['controlplane', 'worker']),
  hostname: z.string(),
  ip: z.string(),
  subnet: z.string().describe('Prefix length (Colony field)'),
  installDisk: installDiskSchema,
  mac: z.string().nullable(),
  assetStatus: z.enum(ASSET_STATES).nullable().describe('Current status of the asset; null when it is gone'),
});

/** A cluster as the API shows it. Never credentials, Talos secrets or the kubeconfig. */
export const clusterSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  flavor: z.literal('talos'),
  siteId: z.string(),
  status: z.enum(CLUSTER_STATUSES),
  gateway: z.string(),
  nodes: z.array(nodeSchema),
  dns: z.array(z.string()),
  ntp: z.array(z.string()),
  extraSANs: z.array(z.string()),
  kubernetesVersion: z.string(),
  talosVersion: z.string(),
  currentStep: z.string().nullable(),
  failure: z.strictObject({ step: z.string(), reason: z.string(), message: z.string() }).nullable(),
  workflowId: z.string().nullable().describe('The workflow currently or last acting on the cluster'),
  kubeconfigAvailable: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
});
export type ClusterView = z.infer<typeof clusterSchema>;

/** Shapes a stored cluster for the wire; `assets` gives each node's asset status. */
export function presentCluster(
  cluster: ClusterDoc,
  assets: ReadonlyMap<string, Pick<AssetDoc, 'state'>> = new Map(),
): ClusterView {
  return {
    id: cluster._id,
    name: cluster.name,
    type: cluster.type,
    flavor: cluster.flavor,
    siteId: cluster.siteId,
    status: cluster.status,
    gateway: cluster.gateway,
    nodes: cluster.nodes.map((n) => ({
      assetId: n.assetId,
      role: n.role,
      hostname: n.hostname,
      ip: n.ip,
      subnet: String(n.prefix),
      installDisk: {
        wwn: n.installDisk.wwn ?? null,
        serial: n.installDisk.serial ?? null,
        path: n.installDisk.path ?? null,
      },
      mac: n.mac ?? null,
      assetStatus: assets.get(n.assetId)?.state ?? null,
    })),
    dns: cluster.dns ?? [],
    ntp: cluster.ntp ?? [],
    extraSANs: cluster.extraSANs ?? [],
    kubernetesVersion: cluster.kubernetesVersion,
    talosVersion: cluster.talosVersion,
    currentStep: cluster.currentStep ?? null,
    failure: cluster.failure
      ? { step: cluster.failure.step, reason: cluster.failure.reason, message: cluster.failure.message }
      : null,
    workflowId: cluster.workflowId ?? null,
    kubeconfigAvailable: cluster.status === 'ready' && cluster.kubeconfigSecret !== undefined,
    createdAt: cluster.createdAt.toISOString(),
    updatedAt: cluster.updatedAt.toISOString(),
  };
}

const problemSchema = z.strictObject({
  field: z.string(),
  message: z.string(),
  code: z.string().describe('VALIDATION_FAILED, ASSET_NOT_FOUND, ASSET_BUSY, CLUSTER_NAME_TAKEN, IP_IN_USE'),
});

/** The answer of `POST /api/v1/clusters?dryRun=true`. */
export const clusterPlanSchema = z.strictObject({
  dryRun: z.literal(true),
  valid: z.boolean(),
  plan: z.strictObject({
    name: z.string(),
    siteId: z.string().nullable(),
    gateway: z.string(),
    kubernetesVersion: z.string(),
    talosVersion: z.string(),
    nodes: z.array(
      z.strictObject({
        field: z.string().describe('Where the node is in the request, e.g. controlPlanes.0'),
        assetId: z.string(),
        role: z.enum(['controlplane', 'worker']),
        hostname: z.string().nullable(),
        ip: z.string(),
        subnet: z.string(),
        installDisk: installDiskSchema.nullable(),
        mac: z.string().nullable(),
      }),
    ),
    steps: z.array(z.string()),
  }),
  problems: z.array(problemSchema),
});
export type ClusterPlanView = z.infer<typeof clusterPlanSchema>;

/** Shapes a plan (of a cluster request or a standalone provision) for the dry-run answer. */
export function presentClusterPlan(
  plan: ClusterPlan,
  request: { gateway: string; kubernetesVersion: string; talosVersion: string },
): ClusterPlanView {
  return {
    dryRun: true,
    valid: plan.problems.length === 0,
    plan: {
      name: plan.name,
      siteId: plan.siteId,
      gateway: request.gateway,
      kubernetesVersion: request.kubernetesVersion,
      talosVersion: request.talosVersion,
      nodes: plan.nodes.map((n) => ({
        field: n.field,
        assetId: n.assetId,
        role: n.role,
        hostname: n.hostname,
        ip: n.ip,
        subnet: String(n.prefix),
        installDisk: n.installDisk
          ? { wwn: n.installDisk.wwn ?? null, serial: n.installDisk.serial ?? null, path: n.installDisk.path ?? null }
          : null,
        mac: n.mac,
      })),
      steps: plan.steps,
    },
    problems: plan.problems,
  };
}
