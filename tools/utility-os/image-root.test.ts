import { describe, expect, it } from 'vitest';
import { busyboxAppletLinks, hostPath, mergedUsrPath } from './image-root.js';

describe('the image layout', () => {
  it('spells paths the merged-/usr way', () => {
    expect(mergedUsrPath('/lib/x86_64-linux-gnu/libc.so.6')).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(mergedUsrPath('/lib64/ld-linux-x86-64.so.2')).toBe('/usr/lib64/ld-linux-x86-64.so.2');
    expect(mergedUsrPath('/sbin/udhcpc')).toBe('/usr/sbin/udhcpc');
    expect(mergedUsrPath('/usr/bin/ip')).toBe('/usr/bin/ip');
    expect(mergedUsrPath('/library/x')).toBe('/library/x');
  });

  it('finds a file on a host that has not merged /usr', () => {
    const unmerged = new Set(['/bin/ip', '/usr/bin/lsblk']);
    expect(hostPath('/usr/bin/ip', (p) => unmerged.has(p))).toBe('/bin/ip');
    expect(hostPath('/usr/bin/lsblk', (p) => unmerged.has(p))).toBe('/usr/bin/lsblk');
    expect(() => hostPath('/usr/sbin/sgdisk', (p) => unmerged.has(p))).toThrow(/npm run setup/);
  });
});

describe('busyboxAppletLinks', () => {
  // Excerpt of Debian busybox-static 1.35's `busybox --list-full`.
  const LIST = ['linuxrc', 'bin/sh', 'sbin/ip', 'bin/dd', 'usr/bin/wget', 'sbin/udhcpc', 'usr/bin/cmp', 'bin/mount', ''].join('\n');

  it('links every applet no real tool provides, once, in the merged layout', () => {
    expect(busyboxAppletLinks(LIST, new Set(['sh', 'ip', 'dd', 'cmp']))).toEqual([
      '/usr/bin/mount',
      '/usr/bin/wget',
      '/usr/sbin/udhcpc',
    ]);
  });

  it('never links an applet into the root directory', () => {
    expect(busyboxAppletLinks(LIST, new Set())).not.toContain('/linuxrc');
  });
});
