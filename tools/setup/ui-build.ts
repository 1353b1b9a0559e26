/**
 * The dashboard build: Vite bundles `ui/` (Preact) into `ui/dist/`, which the API serves at `/ui/`
 * (api/http/static-ui.ts). Built at setup time only when its inputs changed: `ui/dist/.build-hash`
 * holds the hash of the sources (its own and the typed client's in `client/`), this file and the
 * locked versions of the bundled packages, and is written last, so an interrupted build is redone.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The dashboard's sources. */
export const UI_DIR = join(REPO, 'ui');
/** What the API serves (gitignored). */
export const UI_DIST = join(UI_DIR, 'dist');
const STAMP = '.build-hash';
/** Packages whose code ends up in the bundle or makes it. */
const BUILD_PACKAGES = ['vite', 'preact', 'openapi-fetch', 'eventsource-parser'];

/** The Vite configuration of the dashboard (kept here: the UI has no Node-side files of its own). */
export function uiViteConfig(): InlineConfig {
  return {
    configFile: false,
    root: UI_DIR,
    base: '/ui/',
    logLevel: 'warn',
    clearScreen: false,
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: UI_DIST,
      emptyOutDir: true,
      // Every asset a file of its own: the CSP allows no data: URLs.
      assetsInlineLimit: 0,
      target: 'es2022',
      reportCompressedSize: false,
    },
  };
}

/** Every file under `dir`, sorted, relative to the repository. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(REPO, join(entry.parentPath, entry.name)))
    .filter((file) => !file.endsWith('.test.ts'))
    .sort();
}

/** Hash of what the build depends on: its sources, its configuration and the locked build packages. */
export function uiSourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...filesUnder(join(UI_DIR, 'src')),
    ...filesUnder(join(UI_DIR, 'public')),
    // The typed client the dashboard bundles.
    ...filesUnder(join(REPO, 'client')).filter((file) => file.endsWith('.ts')),
    'ui/index.html',
    relative(REPO, fileURLToPath(import.meta.url)),
  ];
  for (const file of inputs)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(REPO, file)))
      .update('\0');
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  for (const name of BUILD_PACKAGES) hash.update(`${name}@${lock.packages[`node_modules/${name}`]?.version ?? '?'}\n`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds the dashboard into `ui/dist/` unless the build there is of the current sources; returns
 * its directory. Thrown when Vite fails (its message names the file and line).
 */
export async function ensureUiBuild(say: (line: string) => void): Promise<string> {
  const wanted = uiSourceHash();
  const stamp = join(UI_DIST, STAMP);
  if (existsSync(join(UI_DIST, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted) {
    return UI_DIST;
  }
  say('Dashboard: building ui/ with Vite…');
  const started = Date.now();
  const { build } = await import('vite');
  await build(uiViteConfig());
  writeFileSync(stamp, `${wanted}\n`);
  say(`Dashboard: built into ${relative(REPO, UI_DIST)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return UI_DIST;
}
