import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheBinDir, cacheDir } from './cache-dir.js';
import { whichSync } from './find-binary.js';

/** Pinned versions of the servers we build. Newer temporal CLI tags carry a `replace` and cannot be `go install`ed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const FERRETDB_VERSION = 'v1.24.2';

type Say = (line: string) => void;

/** Runs a Go command, echoing a heartbeat with the number of packages compiled so the user sees why it takes long. */
function go(args: string[], cwd: string, env: NodeJS.ProcessEnv, label: string, say: Say): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('go', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let packages = 0;
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      packages += text.split('\n').filter((l) => l.trim() && !l.startsWith('go: ')).length;
      tail = (tail + text).slice(-4_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      say(`  … ${label}: ${Math.round((Date.now() - started) / 1000)} s, ${packages} packages so far`);
    }, 15_000);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(' ')} failed (exit ${code}):\n${tail}`));
    });
  });
}

function requireGo(): void {
  if (!whichSync('go')) {
    throw new Error(
      'The Go toolchain is needed to build the dev servers (temporal, ferretdb) but `go` is not on PATH. ' +
        'Install Go, or set TEMPORAL_ADDRESS and MONGODB_URI to servers of your own.',
    );
  }
}

/** Builds the temporal CLI (dev server) into the cache unless it is there. Returns its path. */
export async function buildTemporal(say: Say): Promise<string> {
  const target = join(cacheBinDir(), 'temporal');
  if (existsSync(target)) return target;
  requireGo();
  say(`Building temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only; a few minutes)…`);
  const staging = join(cacheDir(), 'build', 'temporal-bin');
  mkdirSync(staging, { recursive: true });
  const started = Date.now();
  await go(
    ['install', '-v', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
    staging,
    { GOBIN: staging },
    'temporal',
    say,
  );
  mkdirSync(cacheBinDir(), { recursive: true });
  renameSync(join(staging, 'temporal'), target);
  say(`Built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}

/**
 * Builds FerretDB into the cache unless it is there. Returns its path.
 *
 * `go install …@v1.24.2` does not work here: the proxy refuses the module's version list
 * (needed for the deprecation check), and a binary whose main module is FerretDB's panics on
 * start without the `build/version/version.txt` that FerretDB's release task generates. So we
 * build it from a wrapper module with a `replace` to a copy of the module source plus that file.
 */
export async function buildFerretDb(say: Say): Promise<string> {
  const target = join(cacheBinDir(), 'ferretdb');
  if (existsSync(target)) return target;
  requireGo();
  say(`Building FerretDB ${FERRETDB_VERSION} with Go (first run only; a few minutes)…`);
  const started = Date.now();
  const dir = join(cacheDir(), 'build', 'ferretdb');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module rackpilot.local/ferretdb-build\n\ngo 1.24\n');
  await go(
    ['get', '-tool', `github.com/FerretDB/FerretDB/cmd/ferretdb@${FERRETDB_VERSION}`],
    dir,
    {},
    'ferretdb (fetch)',
    say,
  );
  const moduleDir = goOutput(['list', '-m', '-f', '{{.Dir}}', 'github.com/FerretDB/FerretDB'], dir);
  const src = join(dir, 'src');
  cpSync(moduleDir, src, { recursive: true });
  // Module cache files are read-only; the copy must be writable to add version.txt.
  runOk('chmod', ['-R', 'u+w', src]);
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  runOk('go', ['mod', 'edit', '-replace', 'github.com/FerretDB/FerretDB=./src'], dir);
  mkdirSync(cacheBinDir(), { recursive: true });
  const staging = `${target}.tmp`;
  await go(['build', '-v', '-o', staging, 'github.com/FerretDB/FerretDB/cmd/ferretdb'], dir, {}, 'ferretdb', say);
  renameSync(staging, target);
  say(`Built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}

function runOk(cmd: string, args: string[], cwd?: string): void {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr}`);
}

function goOutput(args: string[], cwd: string): string {
  const result = spawnSync('go', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`go ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}
