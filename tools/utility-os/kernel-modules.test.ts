import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareKernelVersions,
  findKernel,
  moduleClosure,
  moduleName,
  parseModulesBuiltin,
  parseModulesDep,
} from './kernel-modules.js';

// Excerpt of Debian 6.1.0-57-amd64's modules.dep (and one compressed module, as newer kernels ship them).
const MODULES_DEP = `kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/nvme/host/nvme.ko: kernel/drivers/nvme/host/nvme-core.ko kernel/block/t10-pi.ko
kernel/drivers/nvme/host/nvme-core.ko: kernel/block/t10-pi.ko
kernel/block/t10-pi.ko:
kernel/drivers/net/ethernet/intel/e1000/e1000.ko.xz:
`;
const MODULES_BUILTIN = 'kernel/drivers/block/loop.ko\nkernel/drivers/ata/libata-core.ko\n';

describe('module names', () => {
  it('are the file name without .ko or its compression suffix, dashes as underscores', () => {
    expect(moduleName('kernel/drivers/nvme/host/nvme-core.ko')).toBe('nvme_core');
    expect(moduleName('kernel/drivers/net/ethernet/intel/e1000/e1000.ko.xz')).toBe('e1000');
    expect(moduleName('x/y.ko.zst')).toBe('y');
  });
});

describe('moduleClosure', () => {
  const dep = parseModulesDep(MODULES_DEP);
  const builtin = parseModulesBuiltin(MODULES_BUILTIN);

  it('takes every dependency, transitively, each file once', () => {
    const closure = moduleClosure(['virtio_net', 'nvme'], dep, builtin);
    expect(closure.files).toEqual([
      'kernel/block/t10-pi.ko',
      'kernel/drivers/net/net_failover.ko',
      'kernel/drivers/net/virtio_net.ko',
      'kernel/drivers/nvme/host/nvme-core.ko',
      'kernel/drivers/nvme/host/nvme.ko',
      'kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_ring.ko',
      'kernel/net/core/failover.ko',
    ]);
    expect(closure).toMatchObject({ builtin: [], unknown: [] });
  });

  it('follows dependencies depmod left indirect', () => {
    const shallow = parseModulesDep('a.ko: b.ko\nb.ko: c-d.ko\nc-d.ko:\n');
    expect(moduleClosure(['a'], shallow, new Set()).files).toEqual(['a.ko', 'b.ko', 'c-d.ko']);
  });

  it('separates built-in drivers (nothing to copy) from names the kernel does not know', () => {
    const closure = moduleClosure(['loop', 'e1000', 'nvme-core', 'no_such_driver'], dep, builtin);
    expect(closure.builtin).toEqual(['loop']);
    expect(closure.unknown).toEqual(['no_such_driver']);
    expect(closure.files).toEqual([
      'kernel/block/t10-pi.ko',
      'kernel/drivers/net/ethernet/intel/e1000/e1000.ko.xz',
      'kernel/drivers/nvme/host/nvme-core.ko',
    ]);
  });
});

describe('findKernel', () => {
  it('orders Debian kernel versions numerically', () => {
    expect(['6.1.0-100-amd64', '6.1.0-57-amd64', '6.10.0-1-amd64'].sort(compareKernelVersions)).toEqual([
      '6.1.0-57-amd64',
      '6.1.0-100-amd64',
      '6.10.0-1-amd64',
    ]);
  });

  it('picks the newest kernel with both an image and modules, or the one asked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rackpilot-kernels-'));
    try {
      const roots = { boot: join(dir, 'boot'), modules: join(dir, 'modules') };
      mkdirSync(roots.boot);
      for (const v of ['6.1.0-57-amd64', '6.1.0-100-amd64', '6.12.0-1-amd64']) {
        mkdirSync(join(roots.modules, v), { recursive: true });
        writeFileSync(join(roots.modules, v, 'modules.dep'), '');
        // 6.12 has modules but no image (a half-removed package): not a candidate.
        if (!v.startsWith('6.12')) writeFileSync(join(roots.boot, `vmlinuz-${v}`), '');
      }
      expect(findKernel(undefined, roots)).toEqual({
        version: '6.1.0-100-amd64',
        vmlinuz: join(roots.boot, 'vmlinuz-6.1.0-100-amd64'),
        modulesDir: join(roots.modules, '6.1.0-100-amd64'),
      });
      expect(findKernel('6.1.0-57-amd64', roots)?.version).toBe('6.1.0-57-amd64');
      expect(findKernel('6.12.0-1-amd64', roots)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
