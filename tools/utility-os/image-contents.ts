/**
 * What goes into the utility OS initramfs, and why: the Debian packages whose files are copied
 * (binaries with the shared libraries ldd reports), the kernel modules loaded at boot, and the udev
 * rules. Paths are where the file lives in the image, which uses Debian's merged-/usr layout
 * (`/bin` → `usr/bin`); the builder finds each one on the build host under either spelling.
 *
 * The list is driven by agent/ssh/commands.ts: every command the agent runs must resolve on the
 * image's PATH to a tool that accepts its exact flags (see README.md for the ones BusyBox lacks).
 */

/** One Debian package and the files the image takes from it. */
export interface ImagePackage {
  debianPackage: string;
  /** A command on PATH that proves the package is installed (`npm run setup` checks it). */
  command: string;
  why: string;
  /** Executables, copied with their shared libraries. */
  binaries: readonly string[];
  /** Symlinks to a binary of the same package: link path → target (relative to the link's directory). */
  links?: Readonly<Record<string, string>>;
  /** Plain files copied as they are (configuration, udev rules). */
  files?: readonly string[];
}

export const IMAGE_PACKAGES: readonly ImagePackage[] = [
  {
    debianPackage: 'busybox-static',
    command: 'busybox',
    why: 'mount, udhcpc, wget, base64, sed and the other small tools no real package below provides',
    binaries: ['/usr/bin/busybox'],
  },
  {
    debianPackage: 'dash',
    command: 'dash',
    why:
      "/bin/sh for /init and every SSH command. Not BusyBox's ash: Debian's busybox-static prefers its own applets " +
      'to PATH (FEATURE_PREFER_APPLETS), so `ip -j`, `cmp -i` and `grep` would run the BusyBox versions',
    binaries: ['/usr/bin/dash'],
    links: { '/usr/bin/sh': 'dash' },
  },
  {
    debianPackage: 'dropbear-bin',
    command: 'dropbearkey',
    why: 'the SSH server the agent logs in to (key only), and the host key generated at each boot',
    binaries: ['/usr/sbin/dropbear', '/usr/bin/dropbearkey'],
  },
  {
    debianPackage: 'kmod',
    command: 'kmod',
    why: 'modprobe resolves module dependencies from modules.dep (BusyBox modprobe does not read modules.builtin)',
    binaries: ['/usr/bin/kmod'],
    links: { '/usr/sbin/modprobe': '../bin/kmod', '/usr/bin/lsmod': 'kmod' },
  },
  {
    debianPackage: 'util-linux',
    command: 'lsblk',
    why: 'lsblk -J, lscpu -J, wipefs -J/-a, blkdiscard -f, blockdev --flushbufs, blkid -p (BusyBox has no JSON output)',
    binaries: [
      '/usr/bin/lsblk',
      '/usr/bin/lscpu',
      '/usr/sbin/wipefs',
      '/usr/sbin/blkdiscard',
      '/usr/sbin/blockdev',
      '/usr/sbin/blkid',
    ],
  },
  {
    debianPackage: 'iproute2',
    command: 'ip',
    why: '`ip -j link` (BusyBox ip has no JSON output)',
    binaries: ['/usr/bin/ip'],
  },
  {
    debianPackage: 'grep',
    command: 'grep',
    why: '`grep -H . /sys/class/net/*/speed` exits 2 on unreadable files as the agent expects; BusyBox grep exits 0 silently',
    binaries: ['/usr/bin/grep'],
  },
  {
    debianPackage: 'coreutils',
    command: 'dd',
    why: 'dd with iflag=count_bytes oflag=seek_bytes,direct conv=fsync, which drops O_DIRECT for an unaligned tail',
    binaries: ['/usr/bin/dd', '/usr/bin/cat'],
  },
  {
    debianPackage: 'diffutils',
    command: 'cmp',
    why: '`cmp -n N -i 0:OFF` (BusyBox cmp has no -i)',
    binaries: ['/usr/bin/cmp'],
  },
  {
    debianPackage: 'hdparm',
    command: 'hdparm',
    why: 'ATA identify and ATA Secure Erase',
    binaries: ['/usr/sbin/hdparm'],
  },
  {
    debianPackage: 'nvme-cli',
    command: 'nvme',
    why: 'NVMe Format with Secure Erase',
    binaries: ['/usr/sbin/nvme'],
  },
  {
    debianPackage: 'gdisk',
    command: 'sgdisk',
    why: '`sgdisk --zap-all` (both GPT headers and the protective MBR)',
    binaries: ['/usr/sbin/sgdisk'],
  },
  {
    debianPackage: 'e2fsprogs',
    command: 'mke2fs',
    why: 'mkfs.ext4, so tests can put a real filesystem on a disk before wiping it',
    binaries: ['/usr/sbin/mke2fs'],
    links: { '/usr/sbin/mkfs.ext4': 'mke2fs' },
    files: ['/etc/mke2fs.conf'],
  },
  {
    debianPackage: 'dmidecode',
    command: 'dmidecode',
    why: 'system vendor, product and serial from SMBIOS',
    binaries: ['/usr/sbin/dmidecode'],
  },
  {
    debianPackage: 'ipmitool',
    command: 'ipmitool',
    why: "`ipmitool lan print 1`: the BMC's address from inside the machine (best-effort)",
    binaries: ['/usr/bin/ipmitool'],
  },
  {
    debianPackage: 'udev',
    command: 'udevadm',
    why: "lsblk reads SERIAL and WWN of SATA disks from udev's database; without udevd they are empty (README.md)",
    binaries: ['/usr/bin/udevadm', '/usr/lib/udev/ata_id', '/usr/lib/udev/scsi_id'],
    links: { '/usr/lib/systemd/systemd-udevd': '../../bin/udevadm' },
    // Only the rules that name disks: no device permissions, network renaming or module autoloading.
    files: ['/usr/lib/udev/rules.d/60-persistent-storage.rules'],
  },
];

/** A kernel module loaded by /init, in this order. */
export interface ImageModule {
  name: string;
  why: string;
}

/**
 * Loaded with their dependencies (modules.dep). Enough for QEMU's devices; real servers need their
 * own NIC and storage drivers added here (igb, ixgbe, i40e, mlx5_core, megaraid_sas, mpt3sas...).
 * A module missing from the kernel fails the build; one built into the kernel is skipped.
 */
export const IMAGE_MODULES: readonly ImageModule[] = [
  { name: 'virtio_pci', why: 'the PCI transport of every virtio device; first, so the virtio drivers find devices' },
  { name: 'virtio_net', why: "QEMU's paravirtual NIC (the VM lab's)" },
  { name: 'e1000', why: "QEMU's default NIC on the pc machine" },
  { name: 'e1000e', why: "QEMU's default NIC on q35, and many Intel boards' onboard NIC" },
  { name: 'nvme', why: 'NVMe disks' },
  { name: 'ahci', why: 'SATA disks behind an AHCI controller' },
  { name: 'ata_piix', why: "QEMU pc's built-in IDE/SATA controller" },
  { name: 'sd_mod', why: 'SCSI/SATA disks as /dev/sdX' },
  { name: 'virtio_blk', why: 'virtio disks (/dev/vdX)' },
  { name: 'virtio_scsi', why: 'virtio SCSI disks' },
  { name: 'ipmi_devintf', why: '/dev/ipmi0 for ipmitool (real servers; absent hardware is fine)' },
  { name: 'ipmi_si', why: 'the BMC system interface (KCS/SMIC/BT) on real servers' },
];

/** The Debian packages the build reads, besides the kernel's own `linux-image-<version>`. */
export function imageDebianPackages(): string[] {
  return IMAGE_PACKAGES.map((p) => p.debianPackage);
}
