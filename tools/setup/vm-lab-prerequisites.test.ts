import { describe, expect, it } from 'vitest';
import { whichSync } from '../devservices/find-binary.js';
import { missingDebianPackages, VM_LAB_PACKAGES } from './vm-lab-prerequisites.js';

describe.skipIf(!whichSync('dpkg-query'))('the VM lab prerequisites on a Debian machine', () => {
  it('names only the packages dpkg does not have installed', () => {
    expect(missingDebianPackages(['dpkg', 'rackpilot-no-such-package'])).toEqual(['rackpilot-no-such-package']);
    expect(missingDebianPackages([])).toEqual([]);
  });

  it('asks for QEMU, its iPXE ROMs, the iPXE binaries, dnsmasq and a kernel', () => {
    expect(VM_LAB_PACKAGES).toEqual(
      expect.arrayContaining(['qemu-system-x86', 'ipxe-qemu', 'ipxe', 'dnsmasq-base', 'linux-image-amd64']),
    );
  });
});
