/**
 * The agent's real boot services (HTTP, TFTP, proxyDHCP) started on loopback for a lab that runs
 * without an agent (`rackpilot lab up`) and for the lab's tests: an artifact cache holding stand-in
 * utility and Talos images, an iPXE binary for TFTP, and an agent SSH key pair the utility image trusts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactCache } from '../../agent/boot/artifact-cache.js';
import type { BootEvent } from '../../agent/boot/boot-events.js';
import { BootPlanRegistry } from '../../agent/boot/boot-plans.js';
import {
  bootServicesConfigSchema,
  startBootServices,
  type RunningBootServices,
} from '../../agent/boot/boot-services.js';
import { talosArtifactNames, type UtilityImage } from '../../agent/boot/ipxe-script.js';
import type { Logger } from '../../shared/logger.js';
import { generateSshKeyPair } from '../../shared/ssh-key-pair.js';

/** Options of {@link startLabBootServer}. */
export interface LabBootServerOptions {
  /** Absolute directory for the artifact cache, TFTP root and agent key; created if missing. */
  dir: string;
  logger: Logger;
  /** Talos releases whose (stand-in) kernel and initramfs are cached. Default v1.10.6 and v1.11.0. */
  talosVersions?: string[];
  /** Machine configs by asset id, served at `talos.config=`. */
  machineConfigs?: Map<string, string>;
  /** Called for every boot event (after it is recorded in `events`). */
  onBootEvent?: (event: BootEvent) => void;
}

/** Running lab boot services. */
export interface LabBootServer {
  services: RunningBootServices;
  /** `http://127.0.0.1:<port>` of the HTTP boot server. */
  url: string;
  dhcp: { host: string; port: number };
  tftp: { host: string; port: number };
  plans: BootPlanRegistry;
  machineConfigs: Map<string, string>;
  events: BootEvent[];
  /** The agent's SSH key pair (OpenSSH private key, `authorized_keys` public line). */
  agentKey: { privateKey: string; publicKey: string; privateKeyFile: string };
  close(): Promise<void>;
}

/** Starts the agent's boot services on 127.0.0.1 (ephemeral ports). */
export async function startLabBootServer(options: LabBootServerOptions): Promise<LabBootServer> {
  const cacheDir = join(options.dir, 'artifacts');
  const tftpRoot = join(options.dir, 'tftp');
  await mkdir(cacheDir, { recursive: true });
  await mkdir(tftpRoot, { recursive: true });
  const keys = generateSshKeyPair('rackpilot-agent@lab');
  const privateKeyFile = join(options.dir, 'agent_ed25519');
  await writeFile(privateKeyFile, keys.private, { mode: 0o600 });
  const utility: UtilityImage = {
    kernel: 'utility-vmlinuz',
    initrd: 'utility-initrd.img',
    sshAuthorizedKey: keys.public,
  };
  // Stand-in images: the lab's machines check they got non-empty files, they do not execute them.
  const images = [utility.kernel, utility.initrd];
  for (const version of options.talosVersions ?? ['v1.10.6', 'v1.11.0']) {
    const names = talosArtifactNames(version);
    images.push(names.kernel, names.initramfs);
  }
  for (const name of images) await writeFile(join(cacheDir, name), randomBytes(64 * 1024));
  await writeFile(join(tftpRoot, 'ipxe.efi'), randomBytes(256 * 1024));
  await writeFile(join(tftpRoot, 'undionly.kpxe'), randomBytes(96 * 1024));

  const plans = new BootPlanRegistry();
  const machineConfigs = options.machineConfigs ?? new Map<string, string>();
  const events: BootEvent[] = [];
  const config = bootServicesConfigSchema.parse({
    serverIp: '127.0.0.1',
    http: { host: '127.0.0.1', port: 0 },
    tftp: { host: '127.0.0.1', port: 0, root: tftpRoot },
    proxyDhcp: { host: '127.0.0.1', ports: [0] },
  });
  const services = await startBootServices(config, {
    plans,
    artifacts: new ArtifactCache({ dir: cacheDir }),
    utility,
    logger: options.logger,
    onBootEvent: (event) => {
      events.push(event);
      options.onBootEvent?.(event);
    },
    fetchMachineConfig: (assetId) => {
      const yaml = machineConfigs.get(assetId);
      if (yaml === undefined) return Promise.reject(new Error(`no machine config for ${assetId}`));
      return Promise.resolve(yaml);
    },
  });
  const dhcpPort = services.proxyDhcp[0]?.port ?? 0;
  return {
    services,
    url: services.http.url,
    dhcp: { host: '127.0.0.1', port: dhcpPort },
    tftp: { host: '127.0.0.1', port: services.tftp?.port ?? 0 },
    plans,
    machineConfigs,
    events,
    agentKey: { privateKey: keys.private, publicKey: keys.public, privateKeyFile },
    close: () => services.close(),
  };
}
