/**
 * Every command the agent runs on the utility OS, as fixed strings. Variable parts are device
 * paths checked against `^/dev/[a-z0-9]+$` and non-negative integers, so no free text ever
 * reaches a remote shell. The lab's utility OS (lab/utility-os) answers exactly these.
 */
import { ValidationError } from '../../shared/errors.js';

const DEVICE_PATH = /^\/dev\/[a-z0-9]+$/;

/** Returns `path` when it is a plain block-device path; throws `ValidationError` otherwise. */
export function assertDevicePath(path: string): string {
  if (!DEVICE_PATH.test(path)) throw new ValidationError(`Not a device path: ${JSON.stringify(path)}`);
  return path;
}

function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(`${what} must be a non-negative integer`);
  return value;
}

/** Temporary ATA user password; the security erase itself clears it (hdparm needs one set first). */
export const ATA_ERASE_PASSWORD = 'rackpilot';

/** Inventory commands. */
export const InventoryCommands = {
  lsblk: 'lsblk -J -b -o NAME,SIZE,MODEL,SERIAL,WWN,ROTA,TYPE,TRAN',
  lscpu: 'lscpu -J',
  meminfo: 'cat /proc/meminfo',
  ipLink: 'ip -j link',
  /** `path:value` per NIC; unreadable speeds (link down, virtual) go to stderr and make grep exit 2. */
  nicSpeeds: 'grep -H . /sys/class/net/*/speed',
  dmiVendor: 'dmidecode -s system-manufacturer',
  dmiProduct: 'dmidecode -s system-product-name',
  dmiSerial: 'dmidecode -s system-serial-number',
  bmcLan: 'ipmitool lan print 1',
} as const;

/** Wipe and verification commands for one device. */
export const WipeCommands = {
  hdparmIdentify: (dev: string) => `hdparm -I ${assertDevicePath(dev)}`,
  wipefsAll: (dev: string) => `wipefs -a ${assertDevicePath(dev)}`,
  sgdiskZapAll: (dev: string) => `sgdisk --zap-all ${assertDevicePath(dev)}`,
  /** Writes `lengthBytes` zeros at `offsetBytes` (byte-exact thanks to count_bytes/seek_bytes). */
  ddZero: (dev: string, offsetBytes: number, lengthBytes: number) =>
    `dd if=/dev/zero of=${assertDevicePath(dev)} bs=1M count=${count(lengthBytes, 'length')} seek=${count(offsetBytes, 'offset')} iflag=count_bytes oflag=seek_bytes,direct conv=fsync status=none`,
  /** `-f`: util-linux ≥ 2.36 refuses to discard a device carrying signatures without it. */
  blkdiscard: (dev: string) => `blkdiscard -f ${assertDevicePath(dev)}`,
  /** NVMe Format with Secure Erase Setting 1 (user data erase); `--force` skips nvme-cli's prompt. */
  nvmeFormat: (dev: string) => `nvme format ${assertDevicePath(dev)} --ses=1 --force`,
  ataSetPassword: (dev: string) =>
    `hdparm --user-master u --security-set-pass ${ATA_ERASE_PASSWORD} ${assertDevicePath(dev)}`,
  ataErase: (dev: string) => `hdparm --user-master u --security-erase ${ATA_ERASE_PASSWORD} ${assertDevicePath(dev)}`,
  ataDisable: (dev: string) =>
    `hdparm --user-master u --security-disable ${ATA_ERASE_PASSWORD} ${assertDevicePath(dev)}`,
  /** Drops the page cache of the device so read-back sees the medium, not stale pages. */
  flushBuffers: (dev: string) => `blockdev --flushbufs ${assertDevicePath(dev)}`,
  wipefsList: (dev: string) => `wipefs -J ${assertDevicePath(dev)}`,
  /** Exit 2 when nothing is found. */
  blkidProbe: (dev: string) => `blkid -p -o export ${assertDevicePath(dev)}`,
  /** Exit 0 when `lengthBytes` at `offsetBytes` are all zero, 1 (with the first differing byte) otherwise. */
  cmpZero: (dev: string, offsetBytes: number, lengthBytes: number) =>
    offsetBytes === 0
      ? `cmp -n ${count(lengthBytes, 'length')} /dev/zero ${assertDevicePath(dev)}`
      : `cmp -n ${count(lengthBytes, 'length')} -i 0:${count(offsetBytes, 'offset')} /dev/zero ${assertDevicePath(dev)}`,
} as const;
