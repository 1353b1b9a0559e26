/**
 * Virtual-media boot: the same boot a machine's PXE chain would give it (kernel, initrd, kernel
 * arguments of its boot plan), burnt into a bootable ISO (GRUB, El Torito for BIOS and UEFI, by
 * `grub-mkrescue`) that the machine's BMC downloads from the boot server and boots once from its
 * virtual CD. For networks where PXE and proxyDHCP are forbidden; the machine still reaches the
 * agent over HTTP once booted, as it would after PXE.
 *
 * Each image gets a random token: its URL (`/media/<token>.iso`) is the only way to fetch it, as
 * a Talos image carries the per-machine config URL. One image per asset is kept; building a new
 * one removes the asset's earlier ones. Images and their owners live on disk, so a BMC that
 * fetches lazily still gets its image after an agent restart.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RackpilotError, ValidationError } from '../../shared/errors.js';
import { runCommand } from '../exec/run-command.js';
import { sha256OfFile, type OpenedArtifact } from './artifact-cache.js';
import type { BootPlan } from './boot-plans.js';
import { normaliseBaseUrl } from './boot-validation.js';
import { talosArtifactNames, talosKernelArgs, utilityKernelArgs, type UtilityImage } from './ipxe-script.js';

/** What an ISO boots: two cached artifacts and the kernel command line. */
export interface MediaBootSource {
  kernel: string;
  initrd: string;
  kernelArgs: string[];
}

/**
 * What a plan boots when it comes from a CD rather than the network. `mac` is the machine's when
 * known (a first discovery may not know it yet: the utility OS then finds its own NICs).
 * Thrown for `local-disk` (nothing to burn) and for a Talos plan without a MAC.
 */
export function mediaBootSource(
  baseUrl: string,
  plan: BootPlan,
  mac: string | undefined,
  utility: UtilityImage,
): MediaBootSource {
  switch (plan.kind) {
    case 'utility':
      return { kernel: utility.kernel, initrd: utility.initrd, kernelArgs: utilityKernelArgs(baseUrl, mac, utility) };
    case 'talos': {
      if (plan.talos === undefined) throw new ValidationError('Talos plan without Talos settings');
      if (mac === undefined) throw new ValidationError('A Talos boot image needs the machine’s MAC');
      const names = talosArtifactNames(plan.talos.version);
      return { kernel: names.kernel, initrd: names.initramfs, kernelArgs: talosKernelArgs(baseUrl, mac, plan.talos) };
    }
    case 'local-disk':
      throw new ValidationError('A local-disk plan boots the disk: there is no image to build');
  }
}

/**
 * Kernel arguments GRUB passes on as they are: no quoting needed and nothing it would expand
 * (`$`), split (spaces, `;`, `&`, `|`) or glob (`*`, `[`). URLs' `?` and `=` are fine.
 */
const GRUB_SAFE_ARG = /^[A-Za-z0-9._,:/=+@?%-]{1,2048}$/;

/** The GRUB config of a boot image: boot at once, one entry, kernel and initrd from the CD. */
export function renderGrubConfig(kernelArgs: readonly string[]): string {
  for (const arg of kernelArgs) {
    if (!GRUB_SAFE_ARG.test(arg)) throw new ValidationError('Kernel argument GRUB would rewrite', { arg });
  }
  return [
    '# Written by the Rackpilot agent: one boot, straight away.',
    'set timeout=0',
    'set default=0',
    "menuentry 'Rackpilot' {",
    `  linux ${MEDIA_KERNEL} ${kernelArgs.join(' ')}`,
    `  initrd ${MEDIA_INITRD}`,
    '}',
    '',
  ].join('\n');
}

/** Where the kernel and initrd sit inside the image. */
export const MEDIA_KERNEL = '/rackpilot/kernel';
export const MEDIA_INITRD = '/rackpilot/initrd';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Thrown when the image cannot be built (a missing artifact, grub-mkrescue failing). */
export class BootMediaError extends RackpilotError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { code: 'BOOT_MEDIA_FAILED', status: 500, details });
  }
}

const ownerSchema = z.object({ assetId: z.string(), jobId: z.string(), sha256: z.string(), bytes: z.number() });
type MediaOwner = z.infer<typeof ownerSchema>;

/** A built image. */
export interface BuiltMedia {
  /** What the BMC is given: `<boot server>/media/<token>.iso`. */
  url: string;
  sha256: string;
  bytes: number;
}

/** Options of {@link BootMediaStore}. */
export interface BootMediaStoreOptions {
  /** Directory of the images (under the agent's data dir). */
  dir: string;
  /** Where cached artifacts are (the artifact cache's `pathOf`). */
  artifactPath: (name: string) => string;
  /** `grub-mkrescue` to run; default from PATH. */
  grubMkrescue?: string;
  /** Limit of one build. Default 120 s. */
  timeoutMs?: number;
}

/** Builds boot images and opens them for the boot server. */
export class BootMediaStore {
  constructor(private readonly options: BootMediaStoreOptions) {}

  /** Builds the image of `source` for `assetId`, replacing the asset's earlier ones. */
  async build(
    source: MediaBootSource,
    owner: { assetId: string; jobId: string; baseUrl: string },
    signal?: AbortSignal,
  ): Promise<BuiltMedia> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const token = randomBytes(32).toString('base64url');
    const tree = join(dir, `${token}.tree`);
    const iso = join(dir, `${token}.iso`);
    try {
      await mkdir(join(tree, 'rackpilot'), { recursive: true });
      await mkdir(join(tree, 'boot', 'grub'), { recursive: true });
      for (const [name, target] of [
        [source.kernel, MEDIA_KERNEL],
        [source.initrd, MEDIA_INITRD],
      ] as const) {
        const from = this.options.artifactPath(name);
        const info = await stat(from).catch(() => undefined);
        if (!info?.isFile() || info.size === 0) {
          throw new BootMediaError(`Boot artifact ${name} is not cached: the image cannot be built`, {
            artifact: name,
          });
        }
        await copyFile(from, join(tree, target));
      }
      await writeFile(join(tree, 'boot', 'grub', 'grub.cfg'), renderGrubConfig(source.kernelArgs));
      const result = await runCommand(this.options.grubMkrescue ?? 'grub-mkrescue', ['-o', iso, tree], {
        timeoutMs: this.options.timeoutMs ?? 120_000,
        signal,
      });
      if (result.exitCode !== 0) {
        const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
        throw new BootMediaError(
          `grub-mkrescue failed (${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}): ${tail}`,
        );
      }
      const bytes = (await stat(iso)).size;
      const sha256 = await sha256OfFile(iso);
      await this.removeOwnedBy(owner.assetId);
      const record: MediaOwner = { assetId: owner.assetId, jobId: owner.jobId, sha256, bytes };
      await writeFile(join(dir, `${token}.json`), JSON.stringify(record), { mode: 0o600 });
      return { url: `${normaliseBaseUrl(owner.baseUrl)}/media/${token}.iso`, sha256, bytes };
    } catch (err) {
      await rm(iso, { force: true });
      throw err;
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }

  /** Opens the image named `<token>.iso`, or null when there is none (or the name is not one of ours). */
  async open(file: string): Promise<(OpenedArtifact & { owner: MediaOwner }) | null> {
    const token = file.endsWith('.iso') ? file.slice(0, -4) : '';
    if (!TOKEN_PATTERN.test(token)) return null;
    const owner = await this.owner(token);
    if (owner === undefined) return null;
    const path = join(this.options.dir, `${token}.iso`);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return null;
    return { size: info.size, stream: createReadStream(path), owner };
  }

  /** Removes the images of an asset (a new one replaces them; a finished job needs none). */
  async removeOwnedBy(assetId: string): Promise<void> {
    const names = await readdir(this.options.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const token = name.slice(0, -5);
      if ((await this.owner(token))?.assetId !== assetId) continue;
      await rm(join(this.options.dir, `${token}.iso`), { force: true });
      await rm(join(this.options.dir, name), { force: true });
    }
  }

  private async owner(token: string): Promise<MediaOwner | undefined> {
    try {
      const parsed = ownerSchema.safeParse(JSON.parse(await readFile(join(this.options.dir, `${token}.json`), 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
