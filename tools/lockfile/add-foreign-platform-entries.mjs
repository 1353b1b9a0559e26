// Run after any `npm install` that changes package-lock.json:  node tools/lockfile/add-foreign-platform-entries.mjs
//
// Why: the npm registry mirror this project is built against does not serve some platform
// builds of optional native packages (e.g. @swc/core-darwin-arm64 answers 404). `npm install`
// then leaves them out of package-lock.json, and `npm ci` refuses the lock ("Missing: … from
// lock file"). This adds, for every optional dependency a locked package declares but the lock
// lacks, an entry carrying only its os/cpu/libc constraints: `npm ci` accepts the lock and skips
// the entry on this platform, exactly as it would skip a fully recorded foreign build.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const OS = ['darwin', 'win32', 'android', 'freebsd', 'openbsd', 'openharmony', 'linux', 'sunos', 'aix', 'netbsd'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'];

/** Reads the platform of a native build from its package name (`…-linux-arm64-musl`). */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('armv7') || name.includes('arm-') ? 'arm' : undefined);
  const entry = {};
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (os === 'linux') entry.libc = [name.includes('musl') ? 'musl' : 'glibc'];
  return entry;
}

let added = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = key === '' ? '' : `${key}/`;
    const nested = `${base}node_modules/${dep}`;
    const top = `node_modules/${dep}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    const platform = platformOf(dep);
    if (!platform.os) continue; // not a platform build: leave it to npm
    lock.packages[top] = { version, optional: true, ...platform };
    added += 1;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} foreign-platform optional entries to package-lock.json`);
