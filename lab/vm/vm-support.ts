/**
 * Whether this machine can run the VM lab, and with what: QEMU, the iPXE binaries, namespaces
 * (root), the utility OS `npm run setup` built, and the accelerator a real boot proved (KVM when a
 * Linux guest really boots under it, else TCG, which is slower and said so). The answer is cached
 * for the process: the probe boots a kernel.
 */
import { existsSync } from 'node:fs';
import { whichSync } from '../../tools/devservices/find-binary.js';
import { probeAccelerator } from '../../tools/utility-os/accelerator.js';
import { ensureUtilityOsImage } from '../../tools/utility-os/build-utility-os.js';
import { labNetworkSupport } from './lab-network.js';

/** What the VM lab runs with, or why it cannot run. */
export type VmSupport =
  | {
      ok: true;
      accel: 'kvm' | 'tcg';
      /** Why this accelerator (e.g. why KVM was not usable). */
      accelReason: string;
      utilityImage: { kernel: string; initrd: string };
      /** iPXE binaries for firmware that PXE-boots over TFTP (BIOS PXE, UEFI). */
      ipxeFiles: string[];
      /** OVMF firmware, when installed (UEFI machines). */
      ovmf?: { code: string; varsTemplate: string };
    }
  | { ok: false; reason: string };

/** Debian `ipxe`'s binaries, handed out by the agent's TFTP server. */
export const IPXE_FILES = ['/usr/lib/ipxe/undionly.kpxe', '/usr/lib/ipxe/ipxe.efi'];
const OVMF = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', varsTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd' };

let cached: Promise<VmSupport> | undefined;

/** Checks once per process (the accelerator probe boots the utility kernel). */
export function checkVmSupport(): Promise<VmSupport> {
  return (cached ??= probe());
}

async function probe(): Promise<VmSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: 'the VM lab needs Linux (network namespaces)' };
  if (!whichSync('qemu-system-x86_64'))
    return { ok: false, reason: 'qemu-system-x86_64 is missing (Debian qemu-system-x86; npm run setup installs it)' };
  const missing = IPXE_FILES.filter((f) => !existsSync(f));
  if (missing.length > 0) return { ok: false, reason: `iPXE binaries missing: ${missing.join(', ')} (Debian ipxe)` };
  const network = labNetworkSupport();
  if (!network.ok) return { ok: false, reason: network.reason };
  let image: { kernel: string; initrd: string };
  try {
    image = await ensureUtilityOsImage(() => undefined);
  } catch (err) {
    return { ok: false, reason: `the utility OS image could not be built: ${(err as Error).message}` };
  }
  const accel = await probeAccelerator(image.kernel, image.initrd);
  return {
    ok: true,
    accel: accel.accel,
    accelReason: accel.reason,
    utilityImage: { kernel: image.kernel, initrd: image.initrd },
    ipxeFiles: IPXE_FILES,
    ovmf: existsSync(OVMF.code) && existsSync(OVMF.varsTemplate) ? OVMF : undefined,
  };
}
