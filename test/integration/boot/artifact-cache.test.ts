import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactCache, ArtifactChecksumError, ArtifactDownloadError } from '../../../agent/boot/artifact-cache.js';
import { memoryLogger, startFileServer } from './boot-harness.js';
import { pseudoRandomBytes } from './tftp-fixtures.js';

const KERNEL = pseudoRandomBytes(2_000_000, 'vmlinuz');
const INITRAMFS = pseudoRandomBytes(500_000, 'initramfs');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let mirror: Awaited<ReturnType<typeof startFileServer>>;
beforeAll(async () => {
  mirror = await startFileServer({
    '/talos/v1.9.5/vmlinuz-amd64': KERNEL,
    '/talos/v1.9.5/initramfs-amd64.xz': INITRAMFS,
  });
});
afterAll(async () => {
  await mirror.close();
});

async function withCache(test: (cache: ArtifactCache, dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-cache-'));
  try {
    await test(new ArtifactCache({ dir, baseUrl: `${mirror.url}/talos/`, logger: memoryLogger().logger }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('artifact cache over HTTP (loopback mirror)', () => {
  it('downloads a kernel whose checksum matches, byte for byte', async () => {
    await withCache(async (cache) => {
      const path = await cache.ensure({
        name: 'talos-v1.9.5-vmlinuz-amd64',
        url: 'v1.9.5/vmlinuz-amd64',
        sha256: sha(KERNEL),
      });
      expect((await readFile(path)).equals(KERNEL)).toBe(true);
    });
  });

  it('caches nothing when the checksum does not match', async () => {
    await withCache(async (cache, dir) => {
      const wrong = sha(Buffer.from('the expected kernel'));
      const attempt = cache.ensure({ name: 'talos-v1.9.5-vmlinuz-amd64', url: 'v1.9.5/vmlinuz-amd64', sha256: wrong });
      await expect(attempt).rejects.toBeInstanceOf(ArtifactChecksumError);
      await expect(attempt).rejects.toMatchObject({
        code: 'ARTIFACT_CHECKSUM_MISMATCH',
        details: { actual: sha(KERNEL) },
      });
      expect(await readdir(dir)).toEqual([]);
    });
  });

  it('downloads once for concurrent ensures of the same artifact', async () => {
    await withCache(async (cache) => {
      const before = mirror.hits.get('/talos/v1.9.5/initramfs-amd64.xz') ?? 0;
      const spec = {
        name: 'talos-v1.9.5-initramfs-amd64.xz',
        url: 'v1.9.5/initramfs-amd64.xz',
        sha256: sha(INITRAMFS),
      };
      await Promise.all(Array.from({ length: 5 }, () => cache.ensure(spec)));
      expect((mirror.hits.get('/talos/v1.9.5/initramfs-amd64.xz') ?? 0) - before).toBe(1);
    });
  });

  it('reports a missing file on the mirror as ArtifactDownloadError', async () => {
    await withCache(async (cache, dir) => {
      await expect(
        cache.ensure({ name: 'nope', url: 'v9.9.9/vmlinuz-amd64', sha256: sha(KERNEL) }),
      ).rejects.toBeInstanceOf(ArtifactDownloadError);
      expect(await readdir(dir)).toEqual([]);
    });
  });
});
