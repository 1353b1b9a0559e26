import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactCache } from '../../../agent/boot/artifact-cache.js';
import { BootMediaStore, mediaBootSource, renderGrubConfig } from '../../../agent/boot/boot-media.js';
import { BootPlanRegistry } from '../../../agent/boot/boot-plans.js';
import { startBootServer, type RunningBootServer } from '../../../agent/boot/http-boot-server.js';
import { whichSync } from '../../../tools/devservices/find-binary.js';
import { memoryLogger, UTILITY, writeArtifact } from './boot-harness.js';

const tools = ['grub-mkrescue', 'xorriso', 'mformat'].filter((t) => !whichSync(t));
const MAC = 'b4:96:91:10:00:00';

/** Reads one file out of an ISO 9660 image with xorriso (what a firmware's CD driver would find). */
function isoFile(iso: string, path: string, outDir: string): Buffer {
  const out = join(outDir, path.replaceAll('/', '_'));
  execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', path, out], { stdio: 'ignore' });
  return readFileSync(out);
}

// The agent's virtual-media images, built by the real grub-mkrescue, read back by the real xorriso
// and served by the real boot server.
describe.skipIf(tools.length > 0)(
  `boot images for virtual media (needs ${tools.join(', ') || 'nothing missing'})`,
  () => {
    let dir: string;
    let cache: ArtifactCache;
    let store: BootMediaStore;
    let server: RunningBootServer;
    const kernel = Buffer.alloc(256 * 1024, 0x4b);
    const initrd = Buffer.alloc(128 * 1024, 0x49);

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rackpilot-media-'));
      cache = new ArtifactCache({ dir: join(dir, 'artifacts') });
      await mkdir(join(dir, 'artifacts'), { recursive: true });
      await writeArtifact(join(dir, 'artifacts'), UTILITY.kernel, kernel);
      await writeArtifact(join(dir, 'artifacts'), UTILITY.initrd, initrd);
      store = new BootMediaStore({ dir: join(dir, 'media'), artifactPath: (name) => cache.pathOf(name) });
      server = await startBootServer({
        host: '127.0.0.1',
        port: 0,
        plans: new BootPlanRegistry(),
        artifacts: cache,
        utility: UTILITY,
        media: store,
        logger: memoryLogger().logger,
        onBootEvent: () => undefined,
        fetchMachineConfig: async () => '',
      });
    });
    afterAll(async () => {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('builds a bootable ISO of the plan: GRUB for BIOS and UEFI, the kernel and initrd, the arguments PXE would give', async () => {
      const source = mediaBootSource(server.url, { kind: 'utility', jobId: 'job-1', assetId: 'ast_1' }, MAC, UTILITY);
      const built = await store.build(source, { assetId: 'ast_1', jobId: 'job-1', baseUrl: server.url });
      expect(built.url).toMatch(new RegExp(`^${server.url}/media/[A-Za-z0-9_-]{43}\\.iso$`));
      const iso = join(dir, 'media', built.url.split('/').pop()!);
      expect(built.bytes).toBe((await readFile(iso)).length);
      expect(isoFile(iso, '/boot/grub/grub.cfg', dir).toString()).toBe(renderGrubConfig(source.kernelArgs));
      expect(isoFile(iso, '/rackpilot/kernel', dir).equals(kernel)).toBe(true);
      expect(isoFile(iso, '/rackpilot/initrd', dir).equals(initrd)).toBe(true);
      // El Torito boot records for both firmwares: what makes a BMC's virtual CD bootable at all.
      const report = execFileSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
      expect(report).toMatch(/El Torito boot img\s*:\s*1\s+BIOS/);
      expect(report).toMatch(/El Torito boot img\s*:\s*2\s+UEFI/);
    });

    it('serves an image only by its token, and a new image of the asset replaces the old one', async () => {
      const source = mediaBootSource(server.url, { kind: 'utility', jobId: 'job-2', assetId: 'ast_2' }, MAC, UTILITY);
      const first = await store.build(source, { assetId: 'ast_2', jobId: 'job-2', baseUrl: server.url });
      const got = await fetch(first.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await got.arrayBuffer()).length).toBe(first.bytes);

      const second = await store.build(source, { assetId: 'ast_2', jobId: 'job-3', baseUrl: server.url });
      const gone = await fetch(first.url);
      expect(gone.status).toBe(404);
      await gone.arrayBuffer();
      const again = await fetch(second.url);
      expect(again.status).toBe(200);
      expect(Buffer.from(await again.arrayBuffer()).length).toBe(second.bytes);
      for (const name of [
        'x.iso',
        `${'a'.repeat(43)}.iso`,
        '..%2F..%2Fetc%2Fpasswd',
        `${second.url.split('/').pop()!.slice(0, -4)}.json`,
      ]) {
        const res = await fetch(`${server.url}/media/${name}`);
        expect(res.status, name).toBe(404);
        expect(((await res.json()) as { code: string }).code).toBe('MEDIA_NOT_FOUND');
      }
      // Another asset's image is untouched by ast_2's rebuilds.
      expect((await readdir(join(dir, 'media'))).filter((f) => f.endsWith('.iso'))).toHaveLength(2);
    });

    it('refuses to build without the artifacts, leaving nothing behind', async () => {
      const before = await readdir(join(dir, 'media'));
      const source = {
        kernel: 'talos-v1.9.5-vmlinuz-amd64',
        initrd: 'talos-v1.9.5-initramfs-amd64.xz',
        kernelArgs: [],
      };
      await expect(
        store.build(source, { assetId: 'ast_3', jobId: 'job-4', baseUrl: server.url }),
      ).rejects.toMatchObject({
        code: 'BOOT_MEDIA_FAILED',
        message: expect.stringMatching(/talos-v1.9.5-vmlinuz-amd64 is not cached/),
      });
      expect(await readdir(join(dir, 'media'))).toEqual(before);
    });
  },
);
