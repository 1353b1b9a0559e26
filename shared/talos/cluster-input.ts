/**
 * The shape of a Talos cluster request as the config generator takes it, as a zod schema with
 * its inferred type. Field-level format checks live here; cross-field consistency (subnets,
 * duplicates) lives in validate-cluster-input.ts.
 */
import { isIP, isIPv4 } from 'node:net';

import { z } from 'zod';

/** RFC 1123 host name: dot-separated labels of [a-z0-9-], each 1–63 characters, 253 in all. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/**
 * Disk identifiers become Talos disk selector patterns, which are globs: refusing glob
 * metacharacters keeps a WWN or serial from matching more disks than the one chosen.
 */
const DISK_ID = /^[A-Za-z0-9._:-]+$/;
const SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const ipv4 = z.string().refine((v) => isIPv4(v), { message: 'must be an IPv4 address' });
const hostOrIp = z
  .string()
  .refine((v) => isIP(v) !== 0 || HOSTNAME.test(v), { message: 'must be an IP address or DNS name' });

/** Where Talos installs itself. Choose by WWN and/or serial (a disk selector) or by device path. */
export const installDiskSchema = z.object({
  /** World Wide Name as inventory reports it (`0x5000c500a1b2c3d4`, `naa.…`, `eui.…`). */
  wwn: z.string().regex(DISK_ID, 'must be a WWN without glob characters').optional(),
  /** Disk serial number. */
  serial: z.string().regex(DISK_ID, 'must be a serial without glob characters').optional(),
  /** Device path such as `/dev/nvme0n1` or `/dev/disk/by-id/…`. */
  path: z
    .string()
    .regex(/^\/dev\/[A-Za-z0-9._:/-]+$/, 'must be a path under /dev/')
    .optional(),
});

/** One machine of the cluster. */
export const talosNodeSchema = z.object({
  role: z.enum(['controlplane', 'worker']),
  hostname: z.string().regex(HOSTNAME, 'must be a lower-case RFC 1123 host name'),
  ip: ipv4,
  prefix: z.number().int().min(1).max(32),
  /** MAC of the NIC that carries the node address; selects the link by `deviceSelector.hardwareAddr`. */
  mac: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.string().regex(MAC, 'must be a MAC address like 52:54:00:12:34:56'))
    .optional(),
  /** Link name (e.g. `enp1s0`), used only when no MAC is known. */
  interface: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,15}$/, 'must be a Linux interface name')
    .optional(),
  installDisk: installDiskSchema,
  /** Strategic-merge patches applied to this node's machine config, in order. */
  patches: z.array(z.record(z.string(), z.unknown())).optional(),
});

/** A cluster request: the nodes share one IPv4 subnet and gateway. */
export const talosClusterInputSchema = z.object({
  clusterName: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lower-case DNS label'),
  /** Control plane endpoint host (load balancer IP or DNS name); defaults to the VIP, else the first control plane IP. */
  endpoint: hostOrIp.optional(),
  /** Shared virtual IP that Talos moves between control planes (`machine.network.interfaces[].vip`). */
  vip: ipv4.optional(),
  gateway: ipv4,
  nodes: z.array(talosNodeSchema).min(1, 'at least one node is required'),
  dns: z.array(z.string().refine((v) => isIP(v) !== 0, { message: 'must be an IP address' })).optional(),
  ntp: z.array(hostOrIp).optional(),
  extraSANs: z.array(hostOrIp).optional(),
  kubernetesVersion: z.string().regex(SEMVER, 'must be a version like 1.33.3'),
  talosVersion: z.string().regex(SEMVER, 'must be a version like v1.10.6'),
});

/** A Talos cluster request (input of the config generator). */
export type TalosClusterInput = z.input<typeof talosClusterInputSchema>;
/** One node of a {@link TalosClusterInput}. */
export type TalosNodeInput = z.input<typeof talosNodeSchema>;
/** The input after validation: MACs lower-cased, versions normalised. */
export type ValidatedClusterInput = z.output<typeof talosClusterInputSchema> & {
  /** Kubernetes version without a leading `v` (`1.33.3`). */
  kubernetesVersion: string;
  /** Talos version with a leading `v` (`v1.10.6`), as image tags spell it. */
  talosVersion: string;
};
