import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redfishRequest, type RedfishTarget } from '../../../lab/bmc/redfish-request.js';
import { bootFromMedia, MediaBootError } from '../../../lab/machine/media-boot.js';
import { whichSync } from '../../../tools/devservices/find-binary.js';
import { findSushyEmulator } from '../../../tools/setup/python-tools.js';
import { ipmitool, startLabHarness, type LabHarness } from './lab-harness.js';

/**
 * A lab machine booting from virtual media: an ISO built the way the agent builds its boot images
 * (grub-mkrescue, El Torito BIOS + EFI, GRUB's config naming /rackpilot/kernel and initrd), served
 * over HTTP on loopback, read back with xorriso, and booted as a PXE boot would be.
 */

const run = promisify(execFile);
const hasIsoTools = whichSync('grub-mkrescue') !== undefined && whichSync('xorriso') !== undefined;
const sushy = findSushyEmulator();

function grubConfig(kernelArgs: string[]): string {
  return [
    '# Written by the Rackpilot agent: one boot, straight away.',
    'set timeout=0',
    'set default=0',
    "menuentry 'Rackpilot' {",
    `  linux /rackpilot/kernel ${kernelArgs.join(' ')}`,
    '  initrd /rackpilot/initrd',
    '}',
    '',
  ].join('\n');
}

/** Builds a bootable ISO from `files` (path on the ISO → content) with grub-mkrescue. */
async function buildIso(dir: string, name: string, files: Record<string, string>): Promise<Buffer> {
  const root = join(dir, `${name}-root`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  const iso = join(dir, `${name}.iso`);
  await run('grub-mkrescue', ['-o', iso, root], { timeout: 60_000 });
  return readFile(iso);
}

/** A plain HTTP server on 127.0.0.1 answering GET of the paths it holds, 404 otherwise. */
async function serve(content: Map<string, Buffer | string>): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = content.get(req.url ?? '');
    if (body === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

const UTILITY_ARGS = [
  'rackpilot.boot=utility',
  'rackpilot.agent=http://127.0.0.1:8080',
  `rackpilot.ssh_key=${Buffer.from('ssh-ed25519 AAAA lab').toString('base64url')}`,
];
const KERNEL = 'kernel image bytes';
const INITRD = 'initrd image bytes';

describe.skipIf(!hasIsoTools)('bootFromMedia on a grub-mkrescue ISO (needs grub-mkrescue and xorriso)', () => {
  let dir: string;
  let http: Awaited<ReturnType<typeof serve>>;
  const content = new Map<string, Buffer | string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-media-boot-'));
    http = await serve(content);
    const talosArgs = ['talos.platform=metal', `talos.config=${http.url}/config/t0k?mac=b4:96:91:10:00:00`];
    const kernelFiles = { 'rackpilot/kernel': KERNEL, 'rackpilot/initrd': INITRD };
    content.set(
      '/utility.iso',
      await buildIso(dir, 'utility', { ...kernelFiles, 'boot/grub/grub.cfg': grubConfig(UTILITY_ARGS) }),
    );
    content.set(
      '/talos.iso',
      await buildIso(dir, 'talos', { ...kernelFiles, 'boot/grub/grub.cfg': grubConfig(talosArgs) }),
    );
    content.set('/config/t0k?mac=b4:96:91:10:00:00', 'version: v1alpha1\n');
    content.set(
      '/empty-initrd.iso',
      await buildIso(dir, 'empty-initrd', {
        'rackpilot/kernel': KERNEL,
        'rackpilot/initrd': '',
        'boot/grub/grub.cfg': grubConfig(UTILITY_ARGS),
      }),
    );
    content.set(
      '/no-kernel.iso',
      await buildIso(dir, 'no-kernel', { 'rackpilot/initrd': INITRD, 'boot/grub/grub.cfg': grubConfig(UTILITY_ARGS) }),
    );
    content.set(
      '/neither.iso',
      await buildIso(dir, 'neither', { ...kernelFiles, 'boot/grub/grub.cfg': grubConfig(['console=ttyS0']) }),
    );
    content.set('/not-an-iso.iso', 'this is not an ISO 9660 image');
  });
  afterAll(async () => {
    http?.server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('boots the utility image: its kernel args, the image download, the files read off the CD', async () => {
    const workDir = join(dir, 'machine-utility');
    const result = await bootFromMedia({ imageUrl: `${http.url}/utility.iso`, workDir, fetchConfig: true });
    expect(result).toMatchObject({ outcome: 'utility', kernelArgs: UTILITY_ARGS, configUrl: undefined });
    expect(result.machineConfig).toBeUndefined();
    expect(result.downloads).toEqual([
      { url: `${http.url}/utility.iso`, bytes: content.get('/utility.iso')!.length, sha256: expect.any(String) },
    ]);
    expect(result.files.map((f) => [f.path, f.bytes])).toEqual([
      ['/boot/grub/grub.cfg', grubConfig(UTILITY_ARGS).length],
      ['/rackpilot/kernel', KERNEL.length],
      ['/rackpilot/initrd', INITRD.length],
    ]);
    // What the machine loaded stays for inspection; the image itself does not (the BMC has its copy).
    expect((await readdir(workDir)).sort()).toEqual(['grub.cfg', 'initrd-0', 'kernel']);
    expect(await readFile(join(workDir, 'kernel'), 'utf8')).toBe(KERNEL);
  });

  it('boots Talos and fetches its machine config from talos.config=, as a booting Talos does', async () => {
    const result = await bootFromMedia({
      imageUrl: `${http.url}/talos.iso`,
      workDir: join(dir, 'machine-talos'),
      fetchConfig: true,
    });
    const configUrl = `${http.url}/config/t0k?mac=b4:96:91:10:00:00`;
    expect(result).toMatchObject({ outcome: 'talos', configUrl, machineConfig: 'version: v1alpha1\n' });
    expect(result.kernelArgs).toContain('talos.platform=metal');
    expect(result.downloads.map((d) => d.url)).toEqual([`${http.url}/talos.iso`, configUrl]);
  });

  it('empties its work dir first: nothing of an earlier boot is taken for this one', async () => {
    const workDir = join(dir, 'machine-reused');
    await mkdir(workDir, { recursive: true });
    await writeFile(join(workDir, 'kernel'), 'an earlier boot');
    await writeFile(join(workDir, 'left-over'), 'x');
    await bootFromMedia({ imageUrl: `${http.url}/utility.iso`, workDir });
    expect((await readdir(workDir)).sort()).toEqual(['grub.cfg', 'initrd-0', 'kernel']);
    expect(await readFile(join(workDir, 'kernel'), 'utf8')).toBe(KERNEL);
  });

  it.each([
    ['a missing image', '/gone.iso', 'image', /GET .*\/gone\.iso answered 404/],
    ['a file that is no ISO', '/not-an-iso.iso', 'iso', /cannot read \/boot\/grub\/grub\.cfg off the image/],
    ['an ISO without the kernel GRUB names', '/no-kernel.iso', 'iso', /cannot read \/rackpilot\/kernel.*FAILURE/],
    ['an empty initrd', '/empty-initrd.iso', 'iso', /\/rackpilot\/initrd on the ISO is empty/],
    ['a kernel neither Talos nor utility', '/neither.iso', 'grub', /neither Talos nor the utility image/],
  ])('refuses %s', async (_what, path, stage, message) => {
    const boot = bootFromMedia({ imageUrl: `${http.url}${path}`, workDir: join(dir, `machine-${stage}`) });
    await expect(boot).rejects.toThrow(MediaBootError);
    await expect(boot).rejects.toMatchObject({ stage, message: expect.stringMatching(message) });
  });

  it('refuses a talos.config= off loopback without fetching it', async () => {
    const iso = await buildIso(dir, 'talos-remote', {
      'rackpilot/kernel': KERNEL,
      'rackpilot/initrd': INITRD,
      'boot/grub/grub.cfg': grubConfig(['talos.platform=metal', 'talos.config=http://192.0.2.10/config']),
    });
    content.set('/talos-remote.iso', iso);
    const fetched: string[] = [];
    const boot = bootFromMedia({
      imageUrl: `${http.url}/talos-remote.iso`,
      workDir: join(dir, 'machine-remote'),
      fetchConfig: true,
      fetch: (input, init) => {
        fetched.push(String(input));
        return fetch(input, init);
      },
    });
    await expect(boot).rejects.toThrow(
      'media boot failed at config: lab: refusing to connect to non-loopback URL http://192.0.2.10/config',
    );
    expect(fetched).toEqual([`${http.url}/talos-remote.iso`]);
  });
});

describe.skipIf(!hasIsoTools || !sushy)(
  'a lab machine with a Redfish BMC boots the ISO in its virtual CD (needs grub-mkrescue, xorriso, sushy-tools)',
  () => {
    let h: LabHarness;
    let dir: string;
    let http: Awaited<ReturnType<typeof serve>>;
    const content = new Map<string, Buffer | string>();
    let target: RedfishTarget;
    let system: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rackpilot-media-lab-'));
      h = await startLabHarness({ machines: 2, redfish: ['lab-01'] });
      http = await serve(content);
      const info = h.lab.servers[0]!;
      if (info.bmc.protocol !== 'redfish') throw new Error('lab-01 should speak Redfish');
      target = { ...info.bmc };
      system = `/redfish/v1/Systems/${info.bmc.systemId}`;
      for (const server of h.lab.servers)
        h.boot.plans.register(server.macs[0]!, { kind: 'utility', jobId: `job-${server.name}`, assetId: server.name });
      const args = [
        'rackpilot.boot=utility',
        `rackpilot.agent=${h.boot.url}`,
        `rackpilot.ssh_key=${Buffer.from(h.boot.agentKey.publicKey).toString('base64url')}`,
      ];
      content.set(
        '/media/lab-01.iso',
        await buildIso(dir, 'lab-01', {
          'rackpilot/kernel': KERNEL,
          'rackpilot/initrd': INITRD,
          'boot/grub/grub.cfg': grubConfig(args),
        }),
      );
    });
    afterAll(async () => {
      await h?.close();
      http?.server.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const reset = async (resetType: string): Promise<void> => {
      const res = await redfishRequest(target, 'POST', `${system}/Actions/ComputerSystem.Reset`, {
        body: { ResetType: resetType },
      });
      expect(res.status).toBe(204);
    };

    it('InsertMedia, a one-time boot from Cd and a power-on bring up the utility OS, which says hello', async () => {
      const server = h.lab.server('lab-01');
      const imageUrl = `${http.url}/media/lab-01.iso`;
      const insert = await redfishRequest(
        target,
        'POST',
        `${system}/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia`,
        {
          body: { Image: imageUrl, Inserted: true },
          timeoutMs: 30_000,
        },
      );
      expect(insert.status).toBe(204);
      // sushy fetches the whole image during InsertMedia, as a BMC that caches it would.
      expect(http.hits).toEqual(['/media/lab-01.iso']);
      const patch = await redfishRequest(target, 'PATCH', system, {
        body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } },
      });
      expect(patch.status).toBe(204);
      await reset('On');

      await server.waitForPhase('utility', 30_000);
      expect(server.history.map((e) => e.phase)).toEqual(['post', 'media', 'utility']);
      expect(server.history[1]?.detail).toBe(imageUrl);
      expect(server.chassis().lastBootDevice).toBe('cdrom');
      const hello = h.boot.events.find((e) => e.type === 'utility-ready' && e.mac === h.lab.servers[0]!.macs[0]);
      expect(hello?.address).toBe(server.sshAddress);
      // The machine read the CD from the URL sushy holds (PXE was never asked).
      expect(http.hits).toEqual(['/media/lab-01.iso', '/media/lab-01.iso']);
      expect(h.boot.events.filter((e) => e.type === 'ipxe-served')).toEqual([]);
    });

    it('with the CD ejected, a boot from Cd finds no bootable device', async () => {
      const server = h.lab.server('lab-01');
      const eject = await redfishRequest(target, 'POST', `${system}/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia`, {
        body: {},
      });
      expect(eject.status).toBe(204);
      await reset('ForceRestart');
      await server.waitForPhase('no-boot-device', 30_000);
      expect(server.history.at(-1)?.detail).toBe('no virtual media inserted');
      expect(server.sshAddress).toBeUndefined();
    });

    it('an IPMI machine told to boot from cdrom has no virtual media to boot', async () => {
      const info = h.lab.servers[1]!;
      if (info.bmc.protocol !== 'ipmi') throw new Error('lab-02 should speak IPMI');
      expect(await ipmitool(info.bmc, ['chassis', 'bootdev', 'cdrom'])).toMatch(/Set Boot Device to cdrom/);
      await ipmitool(info.bmc, ['chassis', 'power', 'on']);
      const server = h.lab.server(info.name);
      await server.waitForPhase('no-boot-device', 10_000);
      expect(server.history.at(-1)?.detail).toBe('no virtual media inserted');
      await ipmitool(info.bmc, ['chassis', 'power', 'off']);
    });
  },
);
