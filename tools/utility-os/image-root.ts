/**
 * Assembles the utility OS's root filesystem in a directory: the binaries of image-contents.ts
 * with their libraries, BusyBox applet links for every command no real tool provides, the module
 * subset with its own depmod indexes, /etc, and /init. Packing it is initramfs-archive.ts's job.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IMAGE_MODULES, IMAGE_PACKAGES } from './image-contents.js';
import {
  moduleClosure,
  moduleName,
  parseModulesBuiltin,
  parseModulesDep,
  type InstalledKernel,
  type ModuleClosure,
} from './kernel-modules.js';
import { sharedLibraries } from './ldd.js';

/** What went into a root, for the image's manifest.json. */
export interface RootSummary {
  binaries: string[];
  libraries: string[];
  busyboxApplets: number;
  modules: ModuleClosure;
}

export interface RootInputs {
  root: string;
  kernel: InstalledKernel;
  /** The content hash naming the image (in /etc/rackpilot/image-id and os-release). */
  imageId: string;
  initScript: string;
  udhcpcScript: string;
}

/** Debian's merged-/usr spelling of a path (`/lib/x` → `/usr/lib/x`), which is the image's layout. */
export function mergedUsrPath(path: string): string {
  return path.replace(/^\/(bin|sbin|lib|lib64)(?=\/)/, '/usr/$1');
}

/** Where the build host has `path`: as spelled, or under the pre-merge spelling (`/usr/bin/ip` → `/bin/ip`). */
export function hostPath(path: string, exists: (p: string) => boolean = existsSync): string {
  if (exists(path)) return path;
  const unmerged = path.replace(/^\/usr\/(bin|sbin|lib)(?=\/)/, '/$1');
  if (exists(unmerged)) return unmerged;
  throw new Error(`${path} is not on this host (its Debian package is missing: run npm run setup)`);
}

/**
 * The applet links to create from `busybox --list-full` (`bin/ash`, `usr/sbin/udhcpc`…), in the
 * image's merged layout, skipping every name a real tool already has: each command then exists
 * once, whatever PATH order a shell uses, so BusyBox's `ip` or `dd` can never shadow the real one.
 */
export function busyboxAppletLinks(listFull: string, takenNames: ReadonlySet<string>): string[] {
  const links = new Map<string, string>();
  for (const raw of listFull.split('\n')) {
    const entry = raw.trim();
    // A bare name (`linuxrc`) is an entry for the root directory, which the image does not want.
    if (!entry.includes('/')) continue;
    const name = basename(entry);
    if (takenNames.has(name) || links.has(name)) continue;
    links.set(name, mergedUsrPath(`/${entry}`));
  }
  return [...links.values()].sort();
}

function copyInto(root: string, imagePath: string, source: string, mode: number): void {
  const target = join(root, imagePath);
  mkdirSync(dirname(target), { recursive: true });
  // Dereferenced: the image holds the file under the name the binary asks for (libfoo.so.1), no chain of links.
  copyFileSync(realpathSync(source), target);
  chmodSync(target, mode);
}

function link(root: string, imagePath: string, target: string): void {
  const at = join(root, imagePath);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at);
}

function write(root: string, imagePath: string, content: string, mode = 0o644): void {
  const target = join(root, imagePath);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content, { mode });
  chmodSync(target, mode);
}

function skeleton(root: string): void {
  for (const dir of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'etc', 'proc', 'sys', 'dev', 'run', 'tmp', 'mnt']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  mkdirSync(join(root, 'var/log'), { recursive: true });
  mkdirSync(join(root, 'root'), { mode: 0o700 });
  chmodSync(join(root, 'tmp'), 0o1777);
  for (const dir of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${dir}`, join(root, dir));
  symlinkSync('../run', join(root, 'var/run'));
}

function copyPackages(root: string): { binaries: string[]; libraries: string[] } {
  const binaries: string[] = [];
  const libraries = new Set<string>();
  for (const pkg of IMAGE_PACKAGES) {
    for (const binary of pkg.binaries) {
      const source = hostPath(binary);
      copyInto(root, binary, source, 0o755);
      binaries.push(binary);
      for (const library of sharedLibraries(source)) libraries.add(library);
    }
    for (const [at, target] of Object.entries(pkg.links ?? {})) link(root, at, target);
    for (const file of pkg.files ?? []) copyInto(root, file, hostPath(file), 0o644);
  }
  const copied = new Set<string>();
  for (const library of libraries) {
    const at = mergedUsrPath(library);
    if (copied.has(at)) continue;
    copied.add(at);
    copyInto(root, at, library, 0o755);
  }
  return { binaries, libraries: [...copied].sort() };
}

function linkBusyboxApplets(root: string): number {
  const busybox = IMAGE_PACKAGES.find((p) => p.debianPackage.startsWith('busybox'))?.binaries[0] ?? '/usr/bin/busybox';
  const list = spawnSync(hostPath(busybox), ['--list-full'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`busybox --list-full failed: ${list.stderr}`);
  const taken = new Set<string>();
  for (const pkg of IMAGE_PACKAGES) {
    for (const path of [...pkg.binaries, ...Object.keys(pkg.links ?? {})]) taken.add(basename(path));
  }
  const applets = busyboxAppletLinks(list.stdout, taken);
  for (const applet of applets) link(root, applet, busybox);
  return applets.length;
}

function copyModules(root: string, kernel: InstalledKernel): ModuleClosure {
  const read = (name: string): string => readFileSync(join(kernel.modulesDir, name), 'utf8');
  const closure = moduleClosure(
    IMAGE_MODULES.map((m) => m.name),
    parseModulesDep(read('modules.dep')),
    parseModulesBuiltin(read('modules.builtin')),
  );
  if (closure.unknown.length > 0) {
    throw new Error(`kernel ${kernel.version} has no module or built-in driver named ${closure.unknown.join(', ')}`);
  }
  const dir = `/usr/lib/modules/${kernel.version}`;
  for (const file of closure.files) copyInto(root, `${dir}/${file}`, join(kernel.modulesDir, file), 0o644);
  // modules.builtin lets modprobe succeed quietly for a driver compiled in; depmod needs modules.order.
  for (const index of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) {
    const source = join(kernel.modulesDir, index);
    if (existsSync(source)) copyInto(root, `${dir}/${index}`, source, 0o644);
  }
  const depmod = spawnSync('depmod', ['-b', root, kernel.version], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  if (depmod.status !== 0) throw new Error(`depmod -b ${root} ${kernel.version} failed: ${depmod.stderr || depmod.error?.message}`);
  const loaded = IMAGE_MODULES.map((m) => m.name).filter((name) => !closure.builtin.includes(moduleName(name)));
  write(root, '/etc/rackpilot/modules', `${loaded.join('\n')}\n`);
  return closure;
}

function etc(root: string, imageId: string): void {
  write(root, '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write(root, '/etc/group', 'root:x:0:\ntty:x:5:\n');
  write(root, '/etc/shells', '/bin/sh\n');
  // glibc ≥ 2.34 has files and dns built in; this only says which to use.
  write(root, '/etc/nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n');
  write(root, '/etc/hosts', '127.0.0.1 localhost\n');
  write(root, '/etc/os-release', `NAME="Rackpilot utility OS"\nID=rackpilot-utility\nVERSION_ID=${imageId}\n`);
  write(root, '/etc/rackpilot/image-id', `${imageId}\n`);
}

/** Fills the empty directory `root` with the utility OS. */
export function populateRoot(inputs: RootInputs): RootSummary {
  const { root } = inputs;
  skeleton(root);
  const { binaries, libraries } = copyPackages(root);
  const busyboxApplets = linkBusyboxApplets(root);
  const modules = copyModules(root, inputs.kernel);
  etc(root, inputs.imageId);
  write(root, '/etc/rackpilot/udhcpc.script', inputs.udhcpcScript, 0o755);
  write(root, '/init', inputs.initScript, 0o755);
  return { binaries, libraries, busyboxApplets, modules };
}
