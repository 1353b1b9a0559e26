/**
 * Picking the kernel and the subset of its modules the image carries. The pure parts read
 * depmod's text outputs: `modules.dep` (`path: dep-path dep-path…`, paths relative to
 * /lib/modules/<version>) and `modules.builtin` (one path per line, for drivers compiled in).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** kmod's module name of a file: no directory, no `.ko[.xz|.zst|.gz]`, dashes as underscores. */
export function moduleName(path: string): string {
  return basename(path)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replaceAll('-', '_');
}

/** Parses `modules.dep` into name → { path, direct dependency paths }. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const modules = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((d) => d !== '');
    modules.set(moduleName(path), { path, deps });
  }
  return modules;
}

/** Parses `modules.builtin` into the names of the modules compiled into the kernel. */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map(moduleName),
  );
}

/** The module files a set of wanted modules needs. */
export interface ModuleClosure {
  /** Paths relative to /lib/modules/<version>, sorted. */
  files: string[];
  /** Wanted names that are built into the kernel (nothing to copy or load). */
  builtin: string[];
  /** Wanted names the kernel has neither as a module nor built in. */
  unknown: string[];
}

/**
 * Returns every module file the wanted modules need, following `modules.dep` transitively
 * (depmod already lists indirect dependencies, but walking them keeps a hand-written file honest).
 */
export function moduleClosure(
  wanted: readonly string[],
  dep: ReadonlyMap<string, { path: string; deps: string[] }>,
  builtin: ReadonlySet<string>,
): ModuleClosure {
  const files = new Set<string>();
  const result: ModuleClosure = { files: [], builtin: [], unknown: [] };
  const visit = (name: string): void => {
    const entry = dep.get(name);
    if (entry === undefined || files.has(entry.path)) return;
    files.add(entry.path);
    for (const path of entry.deps) visit(moduleName(path));
  };
  for (const raw of wanted) {
    const name = raw.replaceAll('-', '_');
    if (dep.has(name)) visit(name);
    else if (builtin.has(name)) result.builtin.push(name);
    else result.unknown.push(name);
  }
  result.files = [...files].sort();
  return result;
}

/** Compares kernel versions like `sort -V` does for Debian's (6.1.0-57-amd64 < 6.1.0-100-amd64). */
export function compareKernelVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** An installed kernel: its version, image and module directory. */
export interface InstalledKernel {
  version: string;
  vmlinuz: string;
  modulesDir: string;
}

/**
 * Returns the newest kernel installed from a Debian `linux-image-*` package (both /boot/vmlinuz-<v>
 * and /lib/modules/<v>/modules.dep present), or the one asked for. Not `uname -r`: the build host
 * may run another kernel (a container, a CI VM) than the one the image ships.
 */
export function findKernel(version?: string, roots = { boot: '/boot', modules: '/lib/modules' }): InstalledKernel | undefined {
  const candidates = existsSync(roots.modules) ? readdirSync(roots.modules) : [];
  const installed = candidates
    .filter((v) => existsSync(join(roots.boot, `vmlinuz-${v}`)) && existsSync(join(roots.modules, v, 'modules.dep')))
    .sort(compareKernelVersions);
  const chosen = version === undefined ? installed.at(-1) : installed.find((v) => v === version);
  if (chosen === undefined) return undefined;
  return { version: chosen, vmlinuz: join(roots.boot, `vmlinuz-${chosen}`), modulesDir: join(roots.modules, chosen) };
}
