import { describe, expect, it } from 'vitest';
import { MEDIA_INITRD, MEDIA_KERNEL, mediaBootSource, renderGrubConfig } from './boot-media.js';
import type { UtilityImage } from './ipxe-script.js';

const BASE = 'http://10.0.0.2:8080';
const UTILITY: UtilityImage = {
  kernel: 'utility-vmlinuz',
  initrd: 'utility-initrd.img',
  sshAuthorizedKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3bGFiZXhhbXBsZWtleWZvcnRlc3RzMDEyMw agent',
};
const plan = { jobId: 'job-1', assetId: 'ast_1' };

describe('what a virtual-media image boots', () => {
  it('boots the utility image with the arguments PXE would give, naming the NIC only when it is known', () => {
    const known = mediaBootSource(BASE, { kind: 'utility', ...plan }, 'b4:96:91:10:00:00', UTILITY);
    expect(known).toMatchObject({ kernel: 'utility-vmlinuz', initrd: 'utility-initrd.img' });
    expect(known.kernelArgs).toEqual(
      expect.arrayContaining(['rackpilot.boot=utility', `rackpilot.agent=${BASE}`, 'BOOTIF=01-b4-96-91-10-00-00']),
    );
    // A first discovery knows no MAC yet: the utility OS finds its NICs itself and says who it is.
    const unknown = mediaBootSource(BASE, { kind: 'utility', ...plan }, undefined, UTILITY);
    expect(unknown.kernelArgs.some((a) => a.startsWith('BOOTIF='))).toBe(false);
    expect(unknown.kernelArgs).toContain('rackpilot.boot=utility');
  });

  it('boots Talos with its per-machine config URL, which needs the MAC; a local-disk plan has nothing to burn', () => {
    const token = 'a'.repeat(43);
    const talos = { kind: 'talos' as const, ...plan, talos: { version: 'v1.9.5', configUrlToken: token } };
    const source = mediaBootSource(BASE, talos, 'b4:96:91:10:00:00', UTILITY);
    expect(source).toMatchObject({ kernel: 'talos-v1.9.5-vmlinuz-amd64', initrd: 'talos-v1.9.5-initramfs-amd64.xz' });
    expect(source.kernelArgs).toContain(`talos.config=${BASE}/config/${token}?mac=b4:96:91:10:00:00`);
    expect(() => mediaBootSource(BASE, talos, undefined, UTILITY)).toThrow(/MAC/);
    expect(() => mediaBootSource(BASE, { kind: 'local-disk', ...plan }, 'b4:96:91:10:00:00', UTILITY)).toThrow(
      /no image/,
    );
  });
});

describe('the GRUB config of a boot image', () => {
  it('boots its one entry at once: the kernel with the arguments, and the initrd, from the CD', () => {
    const cfg = renderGrubConfig(['talos.platform=metal', 'talos.config=http://10.0.0.2:8080/config/x?mac=aa:bb']);
    expect(cfg).toContain('set timeout=0');
    expect(cfg.match(/menuentry/g)).toHaveLength(1);
    expect(cfg).toContain(
      `  linux ${MEDIA_KERNEL} talos.platform=metal talos.config=http://10.0.0.2:8080/config/x?mac=aa:bb\n`,
    );
    expect(cfg).toContain(`  initrd ${MEDIA_INITRD}\n`);
  });

  it('refuses arguments GRUB would expand, split or glob, rather than boot something else', () => {
    for (const bad of ['a=$root', 'a=b c', 'x;reboot', 'a&b', "it's", 'a=*', 'a\nb', '']) {
      expect(() => renderGrubConfig([bad]), JSON.stringify(bad)).toThrow(/GRUB would rewrite/);
    }
  });
});
