import { z } from 'zod';
import { listQuery } from '../../http/paginate.js';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lower-case DNS label (a-z, 0-9, -; at most 63)');
const assetId = z.string().regex(/^ast_[0-9a-f]{16}$/, 'must be an asset id');
const DISK_ID = /^[A-Za-z0-9._:-]+$/;
const devicePath = z.string().regex(/^\/dev\/[A-Za-z0-9._:/-]+$/, 'must be a path under /dev/');

/** One node of `POST /api/v1/clusters` (Colony's `{ assetId, ip, subnet }` plus optional overrides). */
const clusterNodeBody = z.strictObject({
  assetId,
  ip: z.ipv4(),
  subnet: z
    .union([z.string().regex(/^\d{1,2}$/, 'must be a prefix length such as "24"'), z.number().int()])
    .transform((v) => Number(v))
    .pipe(z.number().int().min(1).max(32))
    .describe('Prefix length, e.g. "24"'),
  hostname: dnsLabel.optional(),
  installDisk: z
    .strictObject({
      wwn: z.string().regex(DISK_ID, 'must be a WWN without glob characters').optional(),
      serial: z.string().regex(DISK_ID, 'must be a serial without glob characters').optional(),
      path: devicePath.optional(),
    })
    .optional()
    .describe("Defaults to the inventory's first non-rotational disk, by serial/WWN"),
  diskDevice: devicePath.optional().describe('Colony: install disk by device path'),
});
export type ClusterNodeBody = z.infer<typeof clusterNodeBody>;

/** Body of `POST /api/v1/clusters` (Colony's example, field for field, plus Talos options). */
export const createClusterBody = z.strictObject({
  name: dnsLabel,
  type: z.string().min(1).max(64),
  flavor: z.literal('talos'),
  gateway: z.ipv4(),
  controlPlanes: z.array(clusterNodeBody).min(1, 'at least one control plane is required').max(50),
  workers: z.array(clusterNodeBody).max(500).default([]),
  credentials: z
    .record(z.string().min(1).max(128), z.string().max(65_536))
    .optional()
    .describe('Stored encrypted; never returned'),
  dns: z
    .array(z.union([z.ipv4(), z.ipv6()]))
    .max(10)
    .optional(),
  ntp: z.array(z.string().min(1).max(253)).max(10).optional(),
  extraSANs: z.array(z.string().min(1).max(253)).max(50).optional(),
  kubernetesVersion: z.string().max(32).default('1.33.3'),
  talosVersion: z.string().max(32).default('v1.10.6'),
});
export type CreateClusterBody = z.infer<typeof createClusterBody>;

export const createClusterQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional().describe('true: validate and return the plan, change nothing'),
});

export const CLUSTER_STATUSES = [
  'pending',
  'provisioning',
  'bootstrapping',
  'ready',
  'failed',
  'deleting',
  'deleted',
] as const;

export const listClustersQuery = listQuery(['createdAt', 'updatedAt', 'name', 'status'], '-createdAt', {
  status: z.enum(CLUSTER_STATUSES).optional(),
});

export const clusterParams = z.strictObject({ id: z.string().regex(/^clu_[0-9a-f]{16}$/, 'must be a cluster id') });
