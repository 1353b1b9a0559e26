/**
 * The shared libraries a binary needs, from `ldd`. ldd runs the binary's dynamic loader in
 * list mode, so it reports the whole transitive closure and the loader itself, with the paths
 * this host resolves (which is what the image must reproduce). Only trusted system binaries from
 * image-contents.ts are ever passed to it.
 */
import { spawnSync } from 'node:child_process';

/** What ldd said about one binary. */
export interface LddResult {
  /** Absolute paths of the libraries and the dynamic loader, in ldd's order. */
  libraries: string[];
  /** Sonames ldd could not find ("=> not found"); a binary with any would not start in the image. */
  missing: string[];
  /** True for a statically linked binary (nothing to copy). */
  isStatic: boolean;
}

/**
 * Parses ldd's output. Handles the four line shapes glibc's ldd prints: `name => /path (0x…)`,
 * `/path (0x…)` (the loader), `linux-vdso.so.1 (0x…)` (in the kernel, nothing to copy) and
 * `name => not found`, plus "not a dynamic executable" / "statically linked".
 */
export function parseLddOutput(text: string): LddResult {
  const result: LddResult = { libraries: [], missing: [], isStatic: false };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (/not a dynamic executable|statically linked/.test(line)) {
      result.isStatic = true;
      continue;
    }
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const [, soname = '', target = ''] = arrow;
      if (/^not found/.test(target)) result.missing.push(soname);
      else {
        const path = /^(\/\S+)/.exec(target)?.[1];
        if (path) result.libraries.push(path);
      }
      continue;
    }
    const direct = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(line);
    if (direct?.[1]) result.libraries.push(direct[1]);
  }
  result.libraries = [...new Set(result.libraries)];
  return result;
}

/**
 * Returns the libraries `binary` needs on this host. Thrown when ldd cannot run or a library is
 * missing, since an image with that binary would fail at the first command that uses it.
 */
export function sharedLibraries(binary: string): string[] {
  const run = spawnSync('ldd', [binary], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  if (run.error) throw new Error(`ldd ${binary}: ${run.error.message}`);
  // ldd exits 1 for a static binary, with the reason on stderr.
  const parsed = parseLddOutput(`${run.stdout}\n${run.stderr}`);
  if (parsed.isStatic) return [];
  if (run.status !== 0) throw new Error(`ldd ${binary} exited ${run.status}: ${run.stderr.trim()}`);
  if (parsed.missing.length > 0) throw new Error(`${binary} needs libraries this host lacks: ${parsed.missing.join(', ')}`);
  return parsed.libraries;
}
