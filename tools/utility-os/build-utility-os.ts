/**
 * Builds the utility OS (kernel + initramfs) from this host's Debian packages, once per change of
 * its inputs, into `<cache>/utility-os/<version>/{vmlinuz,initramfs.cpio.gz,manifest.json}`.
 * The version is a hash of the inputs: the kernel (version and files), the installed versions of
 * the packages in image-contents.ts, and this folder's build sources (the /init script, the file
 * list, the builder itself). A cached image costs one `dpkg-query` and a few small reads.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../devservices/cache-dir.js';
import { imageDebianPackages } from './image-contents.js';
import { populateRoot } from './image-root.js';
import { packInitramfs } from './initramfs-archive.js';
import { findKernel, type InstalledKernel } from './kernel-modules.js';

/** A built image. `version` names it (the inputs' hash) and is printed by its /init. */
export interface UtilityOsImage {
  kernel: string;
  initrd: string;
  dir: string;
  version: string;
}

export interface UtilityOsBuildOptions {
  /** Kernel to ship (`6.1.0-57-amd64`); default the newest installed one. */
  kernelVersion?: string;
  /** Default `<cache dir>/utility-os`. */
  cacheRoot?: string;
}

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
/** Files whose content defines the image besides the packages; a change to any rebuilds it. */
const BUILD_SOURCES = [
  'init.sh',
  'udhcpc.script',
  'image-contents.ts',
  'image-root.ts',
  'kernel-modules.ts',
  'ldd.ts',
  'initramfs-archive.ts',
];
/** Images kept in the cache; older ones are removed after a build (a running VM keeps its open files). */
const KEEP_IMAGES = 3;
const IMAGE_DIR = /^[0-9a-f]{16}$/;

/** Everything an image is built from. */
export interface ImageInputs {
  kernel: { version: string; vmlinuzBytes: number; vmlinuzMtimeMs: number; modulesDepMtimeMs: number };
  /** `package=version` lines, sorted. */
  packages: string[];
  /** Build source name → sha256 of its content. */
  sources: Record<string, string>;
}

/** The image version of a set of inputs: 16 hex digits of their sha256. */
export function imageVersion(inputs: ImageInputs): string {
  const canonical = JSON.stringify({
    kernel: inputs.kernel,
    packages: [...inputs.packages].sort(),
    sources: Object.fromEntries(Object.entries(inputs.sources).sort(([a], [b]) => a.localeCompare(b))),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Installed versions of `packages` (`name=version`); thrown, naming the missing ones, when some are not installed. */
export function installedVersions(packages: readonly string[]): string[] {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package}=${Version}\\n', ...packages], { encoding: 'utf8' });
  if (query.error) throw new Error(`the utility OS is built from Debian packages, and dpkg-query is missing (${query.error.message})`);
  const lines = query.stdout.split('\n').filter((l) => /^[^=]+=.+$/.test(l));
  const found = new Set(lines.map((l) => l.slice(0, l.indexOf('='))));
  const missing = packages.filter((p) => !found.has(p));
  if (missing.length > 0) throw new Error(`Debian packages missing for the utility OS: ${missing.join(' ')} (npm run setup installs them)`);
  return lines.sort();
}

function gatherInputs(kernel: InstalledKernel): ImageInputs {
  const vmlinuz = statSync(kernel.vmlinuz);
  const sources: Record<string, string> = {};
  for (const name of BUILD_SOURCES) {
    sources[name] = createHash('sha256').update(readFileSync(join(SOURCE_DIR, name))).digest('hex');
  }
  return {
    kernel: {
      version: kernel.version,
      vmlinuzBytes: vmlinuz.size,
      vmlinuzMtimeMs: Math.round(vmlinuz.mtimeMs),
      modulesDepMtimeMs: Math.round(statSync(join(kernel.modulesDir, 'modules.dep')).mtimeMs),
    },
    packages: installedVersions(imageDebianPackages()),
    sources,
  };
}

function imageAt(dir: string, version: string): UtilityOsImage | undefined {
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initramfs.cpio.gz');
  return existsSync(kernel) && existsSync(initrd) && existsSync(join(dir, 'manifest.json'))
    ? { kernel, initrd, dir, version }
    : undefined;
}

/**
 * Returns the utility OS image for this host's packages, building it first when the cache lacks
 * it (a few seconds; `say` reports it). Thrown when a package or the kernel is missing.
 * Concurrent callers are safe: each builds in its own staging directory and the first rename wins.
 */
export async function ensureUtilityOsImage(
  say: (line: string) => void,
  options: UtilityOsBuildOptions = {},
): Promise<UtilityOsImage> {
  const kernel = findKernel(options.kernelVersion);
  if (!kernel) {
    const wanted = options.kernelVersion ?? 'any';
    throw new Error(`no installed Debian kernel (${wanted}) in /boot and /lib/modules: install linux-image-amd64`);
  }
  const inputs = gatherInputs(kernel);
  const version = imageVersion(inputs);
  const cacheRoot = options.cacheRoot ?? join(cacheDir(), 'utility-os');
  const dir = join(cacheRoot, version);
  const cached = imageAt(dir, version);
  if (cached) return cached;

  say(`utility OS: building image ${version} (kernel ${kernel.version}) from Debian packages…`);
  const started = Date.now();
  const staging = join(cacheRoot, `.build-${version}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const root = join(staging, 'root');
  const out = join(staging, 'out');
  mkdirSync(root, { recursive: true });
  mkdirSync(out);
  try {
    const summary = populateRoot({
      root,
      kernel,
      imageId: version,
      initScript: readFileSync(join(SOURCE_DIR, 'init.sh'), 'utf8'),
      udhcpcScript: readFileSync(join(SOURCE_DIR, 'udhcpc.script'), 'utf8'),
    });
    await packInitramfs(root, join(out, 'initramfs.cpio.gz'));
    copyFileSync(kernel.vmlinuz, join(out, 'vmlinuz'));
    const initramfsBytes = statSync(join(out, 'initramfs.cpio.gz')).size;
    const manifest = { version, builtAt: new Date().toISOString(), initramfsBytes, inputs, ...summary };
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      renameSync(out, dir);
    } catch (err) {
      // Another process finished the same image first: theirs is identical, use it.
      if (!imageAt(dir, version)) throw err;
    }
    const mib = (initramfsBytes / 2 ** 20).toFixed(1);
    say(`utility OS: built ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s (initramfs ${mib} MiB)`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  pruneOldImages(cacheRoot, version);
  const image = imageAt(dir, version);
  if (!image) throw new Error(`utility OS image ${dir} is incomplete after its build`);
  return image;
}

/** Removes all but the newest KEEP_IMAGES images (never `keep`). */
function pruneOldImages(cacheRoot: string, keep: string): void {
  const images = readdirSync(cacheRoot)
    .filter((name) => IMAGE_DIR.test(name) && name !== keep)
    .map((name) => ({ name, mtime: statSync(join(cacheRoot, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of images.slice(KEEP_IMAGES - 1)) rmSync(join(cacheRoot, old.name), { recursive: true, force: true });
}
