/**
 * The project's Python tools — sushy-tools (the Redfish emulator behind the lab's Redfish BMCs) and
 * schemathesis (the schema fuzzer of `test/integration/fuzz/`) — in one venv under `~/.cache/rackpilot/python/<hash>`, installed from the pinned
 * `python-requirements.txt`. The directory is named for the requirements' hash, so a change of
 * pins installs afresh beside the old venv and a second run with the same pins costs one stat.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../devservices/cache-dir.js';
import { isExecutable, whichSync } from '../devservices/find-binary.js';
import { aptInstall } from './system-packages.js';

/** The pinned requirements (sushy-tools, schemathesis and their dependency closure, as `pip freeze` lists it). */
export const PYTHON_REQUIREMENTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'python-requirements.txt');
/** Written last, holding the requirements installed: a venv without it is half-built. */
const MARKER = '.rackpilot-installed';
/** pip downloads three dozen wheels; give a slow index room. */
const PIP_TIMEOUT_MS = 10 * 60_000;

/** The requirement lines that matter (comments, blank lines and spacing dropped), in file order. */
export function requirementLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

/** Short hash of the requirements (12 hex digits), blind to comments and spacing. */
export function requirementsHash(text: string): string {
  return createHash('sha256').update(requirementLines(text).join('\n')).digest('hex').slice(0, 12);
}

/** The venv directory for `requirementsText` (default: the pinned file) under the project cache. */
export function pythonToolsDir(
  env: NodeJS.ProcessEnv = process.env,
  requirementsText = readFileSync(PYTHON_REQUIREMENTS_FILE, 'utf8'),
): string {
  return join(cacheDir(env), 'python', requirementsHash(requirementsText));
}

/** The console scripts setup checks for after pip: one per tool in the requirements. */
const TOOL_SCRIPTS = ['sushy-emulator', 'schemathesis'] as const;

/** The path of a console script of the installed venv, or undefined when the current pins are not installed. */
function findTool(name: (typeof TOOL_SCRIPTS)[number], env: NodeJS.ProcessEnv): string | undefined {
  const venv = pythonToolsDir(env);
  const binary = join(venv, 'bin', name);
  return existsSync(join(venv, MARKER)) && isExecutable(binary) ? binary : undefined;
}

/**
 * Returns the path of the installed `sushy-emulator`, or undefined when `npm run setup` has not
 * installed the current pins. Installs nothing (tests call it to decide whether to skip).
 */
export function findSushyEmulator(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTool('sushy-emulator', env);
}

/**
 * Returns the path of the installed `schemathesis` CLI, or undefined when `npm run setup` has not
 * installed the current pins. Installs nothing.
 */
export function findSchemathesis(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTool('schemathesis', env);
}

/** True when `python3 -m venv` failed because Debian's python3 ships without ensurepip (package `python3-venv`). */
export function lacksEnsurepip(venvStderr: string): boolean {
  return /ensurepip is not\s+available|No module named ensurepip/.test(venvStderr);
}

/** Runs a command, capturing output; returns its exit status and the output's last 4 KB. */
function run(command: string, args: string[], timeout = 120_000): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`;
  return { ok: result.status === 0, output: output.slice(-4_000) };
}

function createVenv(python: string, venv: string, say: (line: string) => void): void {
  let created = run(python, ['-m', 'venv', venv]);
  if (!created.ok && lacksEnsurepip(created.output)) {
    if (process.getuid?.() !== 0 || !whichSync('apt-get')) {
      throw new Error(
        'python3 cannot create a venv (no ensurepip); install it with: sudo apt-get install -y python3-venv',
      );
    }
    say('Python tools: installing Debian package python3-venv (python3 lacks ensurepip)…');
    aptInstall(['python3-venv']);
    rmSync(venv, { recursive: true, force: true });
    created = run(python, ['-m', 'venv', venv]);
  }
  if (!created.ok) throw new Error(`python3 -m venv ${venv} failed:\n${created.output.trim()}`);
}

/**
 * Installs the pinned Python tools unless they are already there; returns the `sushy-emulator`
 * path. Thrown, with pip's output, when there is no python3 or the install fails.
 */
export function ensurePythonTools(say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const found = findSushyEmulator(env);
  if (found) return found;
  const python = whichSync('python3', env);
  if (!python)
    throw new Error(
      'python3 is missing (the lab runs sushy-tools, the fuzz test schemathesis); install it with: sudo apt-get install -y python3',
    );
  const requirements = readFileSync(PYTHON_REQUIREMENTS_FILE, 'utf8');
  const venv = pythonToolsDir(env, requirements);
  const started = Date.now();
  say(`Python tools: installing sushy-tools and schemathesis into ${venv} (first run only)…`);
  // A venv cannot be moved once made (its scripts name it), so it is built in place; a
  // half-built one from an interrupted run has no marker and is started over.
  rmSync(venv, { recursive: true, force: true });
  createVenv(python, venv, say);
  const pip = run(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', PYTHON_REQUIREMENTS_FILE],
    PIP_TIMEOUT_MS,
  );
  if (!pip.ok) throw new Error(`pip install -r ${PYTHON_REQUIREMENTS_FILE} failed:\n${pip.output.trim()}`);
  for (const script of TOOL_SCRIPTS) {
    const path = join(venv, 'bin', script);
    if (!isExecutable(path)) throw new Error(`pip installed the requirements but ${path} is missing`);
  }
  const binary = join(venv, 'bin', 'sushy-emulator');
  writeFileSync(join(venv, MARKER), requirements);
  say(`Python tools: installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}
