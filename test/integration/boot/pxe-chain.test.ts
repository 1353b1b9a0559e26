/**
 * End to end on loopback: the lab's simulated PXE firmware + iPXE follows the agent's real boot
 * chain — proxyDHCP → TFTP (iPXE binary) → proxyDHCP as iPXE → HTTP chain → per-MAC script →
 * kernel/initrd from the verified artifact cache → Talos config — and every step is reported.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactCache } from '../../../agent/boot/artifact-cache.js';
import type { BootEvent } from '../../../agent/boot/boot-events.js';
import { BootPlanRegistry } from '../../../agent/boot/boot-plans.js';
import {
  bootServicesConfigSchema,
  startBootServices,
  type RunningBootServices,
} from '../../../agent/boot/boot-services.js';
import { talosArtifactNames } from '../../../agent/boot/ipxe-script.js';
import { PxeBootError, pxeBoot } from '../../../lab/pxe-client/pxe-client.js';
import { TOKEN_A, UTILITY, memoryLogger, startFileServer } from './boot-harness.js';
import { makeTftpRoot, pseudoRandomBytes, type TftpRoot } from './tftp-fixtures.js';

const TALOS_MAC = '52:54:00:10:00:01';
const UTILITY_MAC = '52:54:00:10:00:02';
const DISK_MAC = '52:54:00:10:00:03';
const CONFIG = 'version: v1alpha1\ncluster:\n  clusterName: lab\n';
const files = {
  '/talos/v1.9.5/vmlinuz-amd64': pseudoRandomBytes(400_000, 'talos-kernel'),
  '/talos/v1.9.5/initramfs-amd64.xz': pseudoRandomBytes(900_000, 'talos-initramfs'),
  '/utility/vmlinuz': pseudoRandomBytes(300_000, 'utility-kernel'),
  '/utility/initrd.img': pseudoRandomBytes(600_000, 'utility-initrd'),
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let services: RunningBootServices;
let mirror: Awaited<ReturnType<typeof startFileServer>>;
let tftpRoot: TftpRoot;
let cacheDir: string;
const plans = new BootPlanRegistry();
const events: BootEvent[] = [];

beforeAll(async () => {
  mirror = await startFileServer(files);
  tftpRoot = await makeTftpRoot();
  cacheDir = await mkdtemp(join(tmpdir(), 'rackpilot-chain-'));
  const cache = new ArtifactCache({ dir: cacheDir, baseUrl: mirror.url });
  const talos = talosArtifactNames('v1.9.5');
  await Promise.all([
    cache.ensure({
      name: talos.kernel,
      url: '/talos/v1.9.5/vmlinuz-amd64',
      sha256: sha(files['/talos/v1.9.5/vmlinuz-amd64']),
    }),
    cache.ensure({
      name: talos.initramfs,
      url: '/talos/v1.9.5/initramfs-amd64.xz',
      sha256: sha(files['/talos/v1.9.5/initramfs-amd64.xz']),
    }),
    cache.ensure({ name: UTILITY.kernel, url: '/utility/vmlinuz', sha256: sha(files['/utility/vmlinuz']) }),
    cache.ensure({ name: UTILITY.initrd, url: '/utility/initrd.img', sha256: sha(files['/utility/initrd.img']) }),
  ]);
  const config = bootServicesConfigSchema.parse({
    serverIp: '127.0.0.1',
    http: { host: '127.0.0.1', port: 0 },
    tftp: { host: '127.0.0.1', port: 0, root: tftpRoot.root },
    proxyDhcp: { host: '127.0.0.1', ports: [0] },
  });
  services = await startBootServices(config, {
    plans,
    artifacts: cache,
    utility: UTILITY,
    logger: memoryLogger().logger,
    fetchMachineConfig: async (assetId) => (assetId === 'asset-talos' ? CONFIG : Promise.reject(new Error('unknown'))),
    onBootEvent: (e) => {
      events.push(e);
    },
  });
  plans.register(TALOS_MAC, {
    kind: 'talos',
    jobId: 'job-provision',
    assetId: 'asset-talos',
    talos: {
      version: 'v1.9.5',
      configUrlToken: TOKEN_A,
      hostname: 'cp-1',
      staticIp: { ip: '127.10.0.11', prefix: 24, gateway: '127.10.0.1' },
    },
  });
  plans.register(UTILITY_MAC, { kind: 'utility', jobId: 'job-discover', assetId: 'asset-utility' });
  plans.register(DISK_MAC, { kind: 'local-disk', jobId: 'job-boot-disk', assetId: 'asset-disk' });
});
afterAll(async () => {
  await services.close();
  await mirror.close();
  await tftpRoot.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

const dhcp = () => ({ host: '127.0.0.1', port: services.proxyDhcp[0]?.port ?? 0, arch: 7 });
const tftp = () => ({ host: '127.0.0.1', port: services.tftp?.port ?? 0, blksize: 1468 });

describe('the lab PXE client following the agent boot chain', () => {
  it('boots Talos from firmware: DHCP, TFTP ipxe.efi, iPXE chain, kernel/initramfs, static ip=, config fetched', async () => {
    events.length = 0;
    const result = await pxeBoot({
      mac: TALOS_MAC,
      bootServerUrl: services.http.url,
      dhcp: dhcp(),
      tftp: tftp(),
      fetchConfig: true,
    });
    expect(result.firmware).toMatchObject({
      bootFile: 'ipxe.efi',
      sha256: sha(await readFile(join(tftpRoot.root, 'ipxe.efi'))),
    });
    expect(result.outcome).toBe('talos');
    expect(result.kernelArgs).toContain('ip=127.10.0.11::127.10.0.1:255.255.255.0:cp-1::off::');
    expect(result.configUrl).toBe(`${services.http.url}/config/${TOKEN_A}?mac=${TALOS_MAC}`);
    expect(result.machineConfig).toBe(CONFIG);
    const kernel = result.downloads.find((d) => d.url.includes('vmlinuz-amd64'));
    expect(kernel?.sha256).toBe(sha(files['/talos/v1.9.5/vmlinuz-amd64']));
    expect(events.map((e) => [e.type, e.jobId])).toEqual([
      ['ipxe-served', 'job-provision'],
      ['artifact-served', 'job-provision'],
      ['artifact-served', 'job-provision'],
      ['config-fetched', 'job-provision'],
    ]);
  });

  it('boots the utility image for a discovery job (BIOS firmware gets undionly.kpxe)', async () => {
    const result = await pxeBoot({
      mac: UTILITY_MAC,
      bootServerUrl: services.http.url,
      dhcp: { ...dhcp(), arch: 0 },
      tftp: tftp(),
    });
    expect(result.firmware?.bootFile).toBe('undionly.kpxe');
    expect(result.outcome).toBe('utility');
    expect(result.kernelArgs).toContain('BOOTIF=01-52-54-00-10-00-02');
    expect(result.configUrl).toBeUndefined();
  });

  it('boots from local disk for a local-disk plan and for a machine the agent knows nothing about', async () => {
    expect((await pxeBoot({ mac: DISK_MAC, bootServerUrl: services.http.url })).outcome).toBe('local-disk');
    expect((await pxeBoot({ mac: '52:54:00:99:99:99', bootServerUrl: services.http.url })).outcome).toBe('local-disk');
  });

  it('fails at the download step, with the stage named, when an artifact is not in the cache', async () => {
    plans.register('52:54:00:10:00:04', {
      kind: 'talos',
      jobId: 'job-x',
      assetId: 'asset-x',
      talos: { version: 'v1.10.0', configUrlToken: 'cfgtok_DDDDDDDDDDDDDDDDDDDDDDDD' },
    });
    const attempt = pxeBoot({ mac: '52:54:00:10:00:04', bootServerUrl: services.http.url });
    await expect(attempt).rejects.toBeInstanceOf(PxeBootError);
    await expect(attempt).rejects.toMatchObject({ stage: 'download' });
  });

  it('refuses to follow a boot chain off loopback', async () => {
    await expect(pxeBoot({ mac: DISK_MAC, bootServerUrl: 'http://192.0.2.1:8080' })).rejects.toMatchObject({
      stage: 'script',
    });
  });
});

describe('boot services configuration', () => {
  it('starts only the HTTP boot server when the site has its own PXE infrastructure', async () => {
    const config = bootServicesConfigSchema.parse({
      http: { host: '127.0.0.1', port: 0 },
      proxyDhcp: { enabled: false },
    });
    const only = await startBootServices(config, {
      plans,
      artifacts: new ArtifactCache({ dir: cacheDir }),
      utility: UTILITY,
      logger: memoryLogger().logger,
      fetchMachineConfig: async () => '',
      onBootEvent: () => undefined,
    });
    try {
      expect(only.tftp).toBeUndefined();
      expect(only.proxyDhcp).toEqual([]);
      expect((await fetch(`${only.http.url}/healthz`)).status).toBe(200);
    } finally {
      await only.close();
    }
  });

  it('refuses a proxyDHCP without a server IP or without TFTP', () => {
    expect(bootServicesConfigSchema.safeParse({ tftp: { root: '/srv/tftp' } }).success).toBe(false);
    expect(bootServicesConfigSchema.safeParse({ serverIp: '10.0.0.2' }).success).toBe(false);
    expect(bootServicesConfigSchema.safeParse({ serverIp: '10.0.0.2', tftp: { root: '/srv/tftp' } }).success).toBe(
      true,
    );
  });
});
