import { describe, expect, it } from 'vitest';
import { imageVersion, type ImageInputs } from './build-utility-os.js';

const inputs: ImageInputs = {
  kernel: { version: '6.1.0-57-amd64', vmlinuzBytes: 8247232, vmlinuzMtimeMs: 1, modulesDepMtimeMs: 2 },
  packages: ['busybox-static=1:1.35.0-4+deb12u1+b1', 'util-linux=2.38.1-5+deb12u3'],
  sources: { 'init.sh': 'aa', 'image-contents.ts': 'bb' },
};

describe('imageVersion', () => {
  it('is 16 hex digits, independent of the order packages and sources were listed in', () => {
    const version = imageVersion(inputs);
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    expect(
      imageVersion({
        ...inputs,
        packages: [...inputs.packages].reverse(),
        sources: { 'image-contents.ts': 'bb', 'init.sh': 'aa' },
      }),
    ).toBe(version);
  });

  it('changes with a package version, the kernel or a build source', () => {
    const version = imageVersion(inputs);
    expect(imageVersion({ ...inputs, packages: ['busybox-static=1:1.36', inputs.packages[1]!] })).not.toBe(version);
    expect(imageVersion({ ...inputs, kernel: { ...inputs.kernel, version: '6.1.0-58-amd64' } })).not.toBe(version);
    expect(imageVersion({ ...inputs, sources: { ...inputs.sources, 'init.sh': 'cc' } })).not.toBe(version);
  });
});
