import { z } from 'zod';
import { listQuery } from '../../http/paginate.js';

/** A lower-case DNS label (cluster names, hostnames). */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lower-case DNS label (a-z, 0-9, -; at most 63)');
const assetId = z.string().regex(/^ast_[0-9a-f]{16}$/, 'must be an asset id');
const DISK_ID = /^[A-Za-z0-9._:-]+$/;
/** A block device path under /dev/. */
export const devicePath = z.string().regex(/^\/dev\/[A-Za-z0-9._:/-]+$/, 'must be a path under /dev/');

/**
 * A subnet as Colony writes it: an IPv4 prefix length from 1 to 32, `"24"` or `24`. Both forms carry
 * the range themselves (the string form as a `pattern`), so the document refuses `"0"` and `33` as
 * the route does.
 */
export const prefixLength = z
  .union([
    z.string().regex(/^([1-9]|[12][0-9]|3[0-2])$/, 'must be a prefix length from 1 to 32, such as "24"'),
    z.number().int().min(1).max(32),
  ])
  .transform((v) => Number(v))
  .describe('Prefix length from 1 to 32, e.g. "24"');

/** Which disk Talos installs to: by WWN or serial (stable across reboots), or by path. */
export const installDiskSelector = z.strictObject({
  wwn: z.string().regex(DISK_ID, 'must be a WWN without glob characters').optional(),
  serial: z.string().regex(DISK_ID, 'must be a serial without glob characters').optional(),
  path: devicePath.optional(),
});

/** One node of `POST /api/v1/clusters` (Colony's `{ assetId, ip, subnet }` plus optional overrides). */
const clusterNodeBody = z.strictObject({
  assetId,
  ip: z.ipv4(),
  subnet: prefixLength,
  hostname: dnsLabel.optional(),
  installDisk: installDiskSelector
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

export { clusterIdParams as clusterParams } from '../../http/resource-id.js';
