/**
 * The VM lab tier's prerequisites (issue 14): QEMU, its iPXE ROMs and Debian's iPXE binaries,
 * dnsmasq for the lab's site DHCP server, OVMF for UEFI machines, and every package the utility OS
 * image is assembled from (its kernel included); then the image itself, built once per change of
 * its inputs. Best-effort: a machine that cannot have them (no root, no apt) still runs everything
 * else, and the VM tests say why they skip.
 */
import { spawnSync } from 'node:child_process';
import { ensureUtilityOsImage } from '../utility-os/build-utility-os.js';
import { imageDebianPackages } from '../utility-os/image-contents.js';
import { whichSync } from '../devservices/find-binary.js';
import { aptInstall } from './system-packages.js';

/** Packages the lab itself runs (beside those the image is built from). */
export const VM_LAB_PACKAGES = ['qemu-system-x86', 'ipxe-qemu', 'ipxe', 'ovmf', 'dnsmasq-base', 'linux-image-amd64'];

/** The packages of `wanted` that dpkg does not list as installed. */
export function missingDebianPackages(wanted: readonly string[]): string[] {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\\n', ...wanted], {
    encoding: 'utf8',
  });
  if (query.error) return [...wanted];
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return wanted.filter((p) => !installed.has(p));
}

/** Installs what is missing and builds the utility OS image; resolves with why not, if it could not. */
export async function ensureVmLabPrerequisites(say: (line: string) => void): Promise<string | undefined> {
  if (process.platform !== 'linux' || !whichSync('dpkg-query')) return 'not a Debian machine';
  const missing = missingDebianPackages([...VM_LAB_PACKAGES, ...imageDebianPackages()]);
  if (missing.length > 0) {
    if (process.getuid?.() !== 0 || !whichSync('apt-get')) {
      return `VM lab packages missing (${missing.join(' ')}); install them with: sudo apt-get install -y ${missing.join(' ')}`;
    }
    say(`VM lab: installing Debian packages ${missing.join(' ')} (first run only)…`);
    try {
      aptInstall(missing);
    } catch (err) {
      return (err as Error).message;
    }
  }
  try {
    await ensureUtilityOsImage(say);
  } catch (err) {
    return `the utility OS image could not be built: ${(err as Error).message}`;
  }
  return undefined;
}
