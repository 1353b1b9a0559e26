/**
 * The per-node parts of a machine config: static networking and the install disk.
 * Field names are those of Talos v1.10 `pkg/machinery/config/types/v1alpha1/v1alpha1_types.go`
 * (`Device`, `NetworkDeviceSelector`, `Route`, `DeviceVIPConfig`, `InstallConfig`,
 * `InstallDiskSelector`).
 */
import type { ValidatedClusterInput } from './cluster-input.js';

type Node = ValidatedClusterInput['nodes'][number];

/**
 * Returns the disk selector pattern for a WWN. Inventory (lsblk) reports `0x5000c500a1b2c3d4`,
 * while Talos matches `/sys/block/<dev>/wwid`, which reads `naa.5000c500a1b2c3d4` for SAS/SATA
 * and `eui.…`/`nvme.…` for NVMe; the selector is a glob, so matching on the identifier with any
 * prefix (`*5000c500a1b2c3d4`) finds the same disk however it is spelled.
 */
export function wwidPattern(wwn: string): string {
  return `*${wwn.toLowerCase().replace(/^(0x|naa\.|eui\.|t10\.|nvme\.)/, '')}`;
}

/** Returns `machine.install` for a node: disk (path) or diskSelector (wwid/serial), installer image, no wipe. */
export function installSection(node: Node, talosVersion: string): Record<string, unknown> {
  const { wwn, serial, path } = node.installDisk;
  const target: Record<string, unknown> =
    path !== undefined
      ? { disk: path }
      : {
          diskSelector: {
            ...(wwn === undefined ? {} : { wwid: wwidPattern(wwn) }),
            ...(serial === undefined ? {} : { serial }),
          },
        };
  return { ...target, image: `ghcr.io/siderolabs/installer:${talosVersion}`, wipe: false };
}

/**
 * Returns `machine.network` for a node: hostname, one statically addressed link (chosen by MAC
 * through `deviceSelector.hardwareAddr`, else by name), a default route via the gateway,
 * nameservers, and on control planes the shared VIP when the cluster has one.
 */
export function networkSection(node: Node, input: ValidatedClusterInput): Record<string, unknown> {
  const link: Record<string, unknown> =
    node.mac !== undefined ? { deviceSelector: { hardwareAddr: node.mac } } : { interface: node.interface };
  const device: Record<string, unknown> = {
    ...link,
    addresses: [`${node.ip}/${node.prefix}`],
    routes: [{ network: '0.0.0.0/0', gateway: input.gateway }],
    dhcp: false,
  };
  if (node.role === 'controlplane' && input.vip !== undefined) device.vip = { ip: input.vip };
  return {
    hostname: node.hostname,
    interfaces: [device],
    ...(input.dns && input.dns.length > 0 ? { nameservers: input.dns } : {}),
  };
}
