/**
 * What a virtual server does between power-on and power-off: POST, then network boot (PXE →
 * utility OS or Talos), virtual-media boot (the ISO in the BMC's virtual CD → the same) or disk
 * boot (an installed Talos, else "no bootable device"). One {@link MachineRuntime} per server;
 * each boot runs under an AbortSignal that power-off fires.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimBootDevice } from '../bmc/ipmi-sim.js';
import { pxeBoot } from '../pxe-client/pxe-client.js';
import { startTalosNode, type TalosNode } from '../talos-node/talos-node.js';
import { parseMachineConfig } from '../talos-node/machine-config.js';
import type { UtilityOsServer } from '../utility-os/utility-os-server.js';
import type { VirtualServerFaults, VirtualServerSpec } from './machine-spec.js';
import { bootFromMedia, type MediaBootResult } from './media-boot.js';
import {
  eraseTalosInstall,
  readTalosBootSettings,
  readTalosInstall,
  selectInstallDisk,
  writeTalosInstall,
} from './talos-install.js';
import { assertLoopbackUrl, phoneHome, readUtilityKernelArgs, startUtilityOs } from './utility-boot.js';

/** Where a virtual server is in its life. */
export type MachinePhase =
  /** Powered off. */
  | 'off'
  /** Firmware power-on self test. */
  | 'post'
  /** Fault `neverBoots`: powered on, stuck before any boot. */
  | 'hung'
  /** Following the PXE chain. */
  | 'pxe'
  /** Reading the ISO in the BMC's virtual CD (detail: its URL). */
  | 'media'
  /** Utility OS up: SSH answers and the agent was told. */
  | 'utility'
  /** Talos writing itself to the install disk. */
  | 'installing'
  /** Talos running: API on the node IP (a worker's once trustd signed its certificate). */
  | 'talos'
  /** Booted from disk and found nothing to boot. */
  | 'no-boot-device'
  /** Something in the boot went wrong (see `lastError`); the machine sits there, as a real one would. */
  | 'boot-failed';

/** One thing that happened to a machine, for tests and the CLI. */
export interface MachineEvent {
  at: string;
  phase: MachinePhase;
  detail?: string;
}

/** What a boot needs from its server. */
export interface BootContext {
  spec: VirtualServerSpec;
  diskDir: string;
  /** Where a virtual-media boot puts the image and what it reads off it; emptied by every such boot. */
  mediaDir: string;
  /** The image URL in the BMC's virtual CD, if one is inserted; absent when the BMC has no virtual media (IPMI). */
  insertedMedia?: () => Promise<string | undefined>;
  faults: () => VirtualServerFaults;
  delays: { postMs: number; bootMs: number; installMs: number };
  network: {
    bootServerUrl: string;
    dhcp?: { host: string; port: number; arch?: number };
    tftp?: { host: string; port: number };
  };
}

/** Rejects when `signal` aborts (never resolves). */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** The running state of one machine: its phase and whatever it serves. */
export class MachineRuntime {
  phase: MachinePhase = 'off';
  utility: UtilityOsServer | undefined;
  talos: TalosNode | undefined;
  lastError: string | undefined;
  readonly history: MachineEvent[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly ctx: BootContext) {}

  /** `host:port` of the utility OS's SSH server while it runs. */
  get sshAddress(): string | undefined {
    return this.utility ? `${this.utility.host}:${this.utility.port}` : undefined;
  }

  /** Calls `listener` after every phase change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setPhase(phase: MachinePhase, detail?: string): void {
    this.phase = phase;
    this.history.push({ at: new Date().toISOString(), phase, detail });
    for (const listener of this.listeners) listener();
  }

  /** Boots from `device` (what the BMC says this boot uses); settles when booted or aborted. */
  async boot(device: SimBootDevice | null, signal: AbortSignal): Promise<void> {
    try {
      this.lastError = undefined;
      this.setPhase('post');
      if (this.ctx.faults().neverBoots) return this.setPhase('hung', 'fault: never boots');
      await sleep(this.ctx.delays.postMs, undefined, { signal });
      if (device === 'pxe') await this.networkBoot(signal);
      else if (device === 'cdrom') await this.mediaBoot(signal);
      else await this.diskBoot(signal);
    } catch (err) {
      if (signal.aborted) return;
      this.lastError = (err as Error).message;
      this.setPhase('boot-failed', this.lastError);
    }
  }

  /** Stops what the machine serves (power is gone). */
  async shutdown(): Promise<void> {
    const { utility, talos } = this;
    this.utility = undefined;
    this.talos = undefined;
    await Promise.allSettled([utility?.stop(), talos?.close()]);
    if (this.phase !== 'off') this.setPhase('off');
  }

  private async networkBoot(signal: AbortSignal): Promise<void> {
    this.setPhase('pxe');
    const { network, spec } = this.ctx;
    const mac = spec.nics[0]?.mac ?? '';
    const dhcp = network.dhcp ? { ...network.dhcp, arch: network.dhcp.arch ?? 7 } : undefined;
    const result = await pxeBoot({
      mac,
      bootServerUrl: network.bootServerUrl,
      dhcp,
      tftp: network.tftp,
      fetchConfig: true,
    });
    signal.throwIfAborted();
    if (result.outcome === 'local-disk') return this.diskBoot(signal);
    await this.runKernel({ ...result, outcome: result.outcome }, signal); // outcome narrowed: no local-disk here
  }

  /** A CD boot asks the BMC what is inserted (sushy keeps the image's URL), then boots it as GRUB would. */
  private async mediaBoot(signal: AbortSignal): Promise<void> {
    const imageUrl = await this.ctx.insertedMedia?.();
    signal.throwIfAborted();
    if (imageUrl === undefined) return this.setPhase('no-boot-device', 'no virtual media inserted');
    this.setPhase('media', imageUrl);
    const result = await bootFromMedia({ imageUrl, workDir: this.ctx.mediaDir, fetchConfig: true, signal });
    signal.throwIfAborted();
    await this.runKernel(result, signal);
  }

  /** What a loaded kernel does, however it was loaded: the utility OS, or Talos installing itself. */
  private async runKernel(
    kernel: Pick<MediaBootResult, 'outcome' | 'kernelArgs' | 'configUrl' | 'machineConfig'>,
    signal: AbortSignal,
  ): Promise<void> {
    await sleep(this.ctx.delays.bootMs, undefined, { signal });
    if (kernel.outcome === 'utility') return this.utilityBoot(kernel.kernelArgs, signal);
    const config = kernel.machineConfig ?? (await this.fetchConfig(kernel.configUrl ?? '', signal));
    await this.install(config, signal);
  }

  private async fetchConfig(url: string, signal: AbortSignal): Promise<string> {
    assertLoopbackUrl(url);
    const res = await fetch(url, { signal });
    if (res.status !== 200) throw new Error(`talos.config answered ${res.status}`);
    return res.text();
  }

  private async utilityBoot(kernelArgs: readonly string[], signal: AbortSignal): Promise<void> {
    const settings = readUtilityKernelArgs(kernelArgs);
    this.utility = await startUtilityOs(this.ctx.spec, this.ctx.diskDir, settings.sshAuthorizedKey);
    const sshAddress = this.sshAddress ?? '';
    const mac = this.ctx.spec.nics[0]?.mac ?? '';
    await phoneHome(settings.agentUrl, { mac, bmcAddress: this.ctx.spec.bmcAddress, sshAddress }, signal);
    this.setPhase('utility', sshAddress);
  }

  private async install(machineConfigYaml: string, signal: AbortSignal): Promise<void> {
    parseMachineConfig(machineConfigYaml); // Talos refuses a config it cannot load before touching a disk
    const settings = readTalosBootSettings(
      machineConfigYaml,
      this.ctx.spec.nics.map((n) => n.mac),
    );
    const disk = selectInstallDisk(settings.install, this.ctx.spec.disks);
    if (disk === undefined) throw new Error(`no disk matches the install target ${JSON.stringify(settings.install)}`);
    this.setPhase('installing', disk.name);
    await sleep(this.ctx.delays.installMs, undefined, { signal });
    await writeTalosInstall(this.diskFile(disk.name), disk.sizeBytes, machineConfigYaml);
    await this.startTalos(machineConfigYaml, signal);
  }

  private async diskBoot(signal: AbortSignal): Promise<void> {
    for (const disk of this.ctx.spec.disks) {
      const config = await readTalosInstall(this.diskFile(disk.name));
      if (config === undefined) continue;
      await sleep(this.ctx.delays.bootMs, undefined, { signal });
      return this.startTalos(config, signal);
    }
    this.setPhase('no-boot-device');
  }

  private async startTalos(machineConfigYaml: string, signal: AbortSignal): Promise<void> {
    parseMachineConfig(machineConfigYaml);
    const { nodeIp } = readTalosBootSettings(
      machineConfigYaml,
      this.ctx.spec.nics.map((n) => n.mac),
    );
    if (nodeIp === undefined) throw new Error('machine config gives this machine no address');
    signal.throwIfAborted();
    const talos = await startTalosNode({ ip: nodeIp, machineConfigYaml, faults: this.ctx.faults().talos });
    this.talos = talos;
    talos.onReset(() => void this.afterReset());
    // A worker has no OS CA key: its API comes up once trustd on a control plane signed its certificate.
    // Power-off closes the node, which ends that wait.
    await Promise.race([talos.apiListening, abortion(signal)]);
    this.setPhase('talos', nodeIp);
  }

  /** Talos Reset wipes its system disk and reboots: nothing left to boot from disk. */
  private async afterReset(): Promise<void> {
    this.talos = undefined;
    for (const disk of this.ctx.spec.disks) {
      if ((await readTalosInstall(this.diskFile(disk.name))) === undefined) continue;
      await eraseTalosInstall(this.diskFile(disk.name), disk.sizeBytes);
    }
    this.setPhase('no-boot-device', 'reset by Talos API');
  }

  private diskFile(name: string): string {
    return `${this.ctx.diskDir}/${name}.img`;
  }
}
