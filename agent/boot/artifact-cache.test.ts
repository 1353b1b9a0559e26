import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { ArtifactCache, ArtifactChecksumError, ArtifactDownloadError } from './artifact-cache.js';

const KERNEL = Buffer.from('fake kernel image '.repeat(5000));
const SHA = createHash('sha256').update(KERNEL).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-artifacts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fetch that serves `body` for every URL, counting calls and recording the URLs asked for. */
function fakeFetch(body: Buffer, status = 200) {
  const calls: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    calls.push(String(input));
    await new Promise((r) => setTimeout(r, 20));
    return new Response(status === 200 ? new Uint8Array(body) : null, { status });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('ArtifactCache', () => {
  it('downloads once, verifies the SHA-256 and serves the cached bytes afterwards', async () => {
    const { fetch, calls } = fakeFetch(KERNEL);
    const cache = new ArtifactCache({ dir, fetch, baseUrl: 'http://mirror.test/talos/' });
    const path = await cache.ensure({ name: 'talos-v1.9.5-vmlinuz-amd64', url: 'v1.9.5/vmlinuz-amd64', sha256: SHA });
    expect(await readFile(path)).toEqual(KERNEL);
    expect(calls).toEqual(['http://mirror.test/talos/v1.9.5/vmlinuz-amd64']);
    await cache.ensure({ name: 'talos-v1.9.5-vmlinuz-amd64', url: 'v1.9.5/vmlinuz-amd64', sha256: SHA });
    expect(calls).toHaveLength(1);
    const opened = await cache.open('talos-v1.9.5-vmlinuz-amd64');
    expect(opened?.size).toBe(KERNEL.length);
    opened?.stream.destroy();
  });

  it('shares one download between concurrent ensures of the same artifact', async () => {
    const { fetch, calls } = fakeFetch(KERNEL);
    const cache = new ArtifactCache({ dir, fetch });
    const spec = { name: 'kernel', url: 'http://mirror.test/kernel', sha256: SHA };
    const paths = await Promise.all([cache.ensure(spec), cache.ensure(spec), cache.ensure(spec)]);
    expect(new Set(paths).size).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it('throws ArtifactChecksumError on a mismatch and leaves neither the file nor a temp file behind', async () => {
    const { fetch } = fakeFetch(Buffer.from('tampered'));
    const cache = new ArtifactCache({ dir, fetch });
    await expect(
      cache.ensure({ name: 'kernel', url: 'http://mirror.test/kernel', sha256: SHA }),
    ).rejects.toBeInstanceOf(ArtifactChecksumError);
    expect(await readdir(dir)).toEqual([]);
    expect(await cache.open('kernel')).toBeNull();
  });

  it('replaces a cached file whose content no longer matches its checksum', async () => {
    await writeFile(join(dir, 'kernel'), 'corrupted on disk');
    const { fetch, calls } = fakeFetch(KERNEL);
    const cache = new ArtifactCache({ dir, fetch });
    await cache.ensure({ name: 'kernel', url: 'http://mirror.test/kernel', sha256: SHA });
    expect(calls).toHaveLength(1);
    expect(await readFile(join(dir, 'kernel'))).toEqual(KERNEL);
  });

  it('reports HTTP errors and oversized downloads as ArtifactDownloadError, leaving nothing behind', async () => {
    const cache404 = new ArtifactCache({ dir, fetch: fakeFetch(KERNEL, 404).fetch });
    await expect(cache404.ensure({ name: 'k', url: 'http://mirror.test/k', sha256: SHA })).rejects.toBeInstanceOf(
      ArtifactDownloadError,
    );
    const small = new ArtifactCache({ dir, fetch: fakeFetch(KERNEL).fetch, maxBytes: 1000 });
    await expect(small.ensure({ name: 'k', url: 'http://mirror.test/k', sha256: SHA })).rejects.toBeInstanceOf(
      ArtifactDownloadError,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses names that could escape the cache directory and non-http URLs', async () => {
    const cache = new ArtifactCache({ dir, fetch: fakeFetch(KERNEL).fetch });
    for (const name of ['../kernel', '.hidden', 'a/b', '']) {
      await expect(cache.ensure({ name, url: 'http://mirror.test/k', sha256: SHA })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await cache.open(name)).toBeNull();
    }
    await expect(cache.ensure({ name: 'k', url: 'file:///etc/passwd', sha256: SHA })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
