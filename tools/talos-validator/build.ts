/**
 * Builds tools/talos-validator (Talos' own machine config validator, from
 * github.com/siderolabs/talos/pkg/machinery) into the project's binary cache, once per source
 * change. The first build downloads the Talos machinery module and its dependencies through the
 * Go module proxy; a rebuild from the module cache is quick.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheBinDir } from '../devservices/cache-dir.js';
import { whichSync } from '../devservices/find-binary.js';

/** Source directory of the Go program (this file's directory). */
export const VALIDATOR_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCES = ['main.go', 'go.mod', 'go.sum'];
/** A cold build fetches ~100 modules; give it room on a slow proxy. */
const BUILD_TIMEOUT_MS = 10 * 60_000;

/** Hash of the Go sources, stored beside the binary so a source change triggers a rebuild. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(file).update(readFileSync(join(VALIDATOR_SOURCE_DIR, file)));
  return hash.digest('hex');
}

function runGoBuild(output: string): Promise<{ ok: boolean; log: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', ['build', '-buildvcs=false', '-o', output, '.'], {
      cwd: VALIDATOR_SOURCE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: BUILD_TIMEOUT_MS,
    });
    let log = '';
    const collect = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => resolve({ ok: false, log: `${log}\n${err.message}` }));
    child.on('close', (code, signal) => resolve({ ok: code === 0, log: signal ? `${log}\nkilled by ${signal}` : log }));
  });
}

/**
 * Returns the path of the built talos-validator, building it first when missing or stale.
 * Returns null, after logging why, when it cannot be built (no Go toolchain, or the build failed).
 */
export async function ensureTalosValidator(log: (line: string) => void): Promise<string | null> {
  const target = join(cacheBinDir(), 'talos-validator');
  const stamp = `${target}.sha256`;
  const hash = sourceHash();
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return target;
  if (!whichSync('go')) {
    log('talos-validator: cannot build, the Go toolchain (`go`) is not on PATH');
    return null;
  }
  mkdirSync(cacheBinDir(), { recursive: true });
  // Build to a unique name and rename: concurrent callers never see a half-written binary.
  const staging = `${target}.${process.pid}.tmp`;
  const started = Date.now();
  log('talos-validator: building with Go (first run downloads Talos machinery, ~1 min)…');
  const result = await runGoBuild(staging);
  if (!result.ok) {
    rmSync(staging, { force: true });
    log(`talos-validator: go build failed:\n${result.log.trim()}`);
    return null;
  }
  renameSync(staging, target);
  writeFileSync(stamp, hash);
  log(`talos-validator: built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}
