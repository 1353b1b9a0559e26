import { describe, expect, it } from 'vitest';
import { parseLddOutput } from './ldd.js';

// Recorded on Debian bookworm (glibc 2.36).
const LSBLK = `	linux-vdso.so.1 (0x00007f13f9d6d000)
	libblkid.so.1 => /lib/x86_64-linux-gnu/libblkid.so.1 (0x00007f13f9cce000)
	libudev.so.1 => /lib/x86_64-linux-gnu/libudev.so.1 (0x00007f13f9c01000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f13f9a1f000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f13f9d6f000)
	libselinux.so.1 => /lib/x86_64-linux-gnu/libselinux.so.1 (0x00007f13f99ef000)
`;

describe('parseLddOutput', () => {
  it('lists every library and the dynamic loader, without the vDSO (it lives in the kernel)', () => {
    expect(parseLddOutput(LSBLK)).toEqual({
      libraries: [
        '/lib/x86_64-linux-gnu/libblkid.so.1',
        '/lib/x86_64-linux-gnu/libudev.so.1',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
        '/lib/x86_64-linux-gnu/libselinux.so.1',
      ],
      missing: [],
      isStatic: false,
    });
  });

  it('reports libraries the host lacks', () => {
    const text = '\tlibfoo.so.3 => not found\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1a3c44d000)\n';
    expect(parseLddOutput(text)).toMatchObject({ libraries: ['/lib/x86_64-linux-gnu/libc.so.6'], missing: ['libfoo.so.3'] });
  });

  it('recognises a static binary in both of glibc ldd’s wordings', () => {
    expect(parseLddOutput('\tnot a dynamic executable\n')).toEqual({ libraries: [], missing: [], isStatic: true });
    expect(parseLddOutput('\tstatically linked\n').isStatic).toBe(true);
  });

  it('lists a library once when two paths of the closure repeat it', () => {
    const text = `${LSBLK}\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f13f9a1f000)\n`;
    expect(parseLddOutput(text).libraries.filter((l) => l.endsWith('libc.so.6'))).toHaveLength(1);
  });
});
