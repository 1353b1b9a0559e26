import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  findSchemathesis,
  findSushyEmulator,
  lacksEnsurepip,
  PYTHON_REQUIREMENTS_FILE,
  pythonToolsDir,
  requirementLines,
  requirementsHash,
} from './python-tools.js';

const dirs: string[] = [];
const tempCache = (): NodeJS.ProcessEnv => {
  const dir = mkdtempSync(join(tmpdir(), 'rackpilot-python-tools-'));
  dirs.push(dir);
  return { RACKPILOT_CACHE_DIR: dir };
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the pinned Python requirements', () => {
  it('pin sushy-tools 2.2.0 and every dependency to one version', () => {
    const lines = requirementLines(readFileSync(PYTHON_REQUIREMENTS_FILE, 'utf8'));
    expect(lines).toContain('sushy-tools==2.2.0');
    expect(lines).toContain('schemathesis==4.32.5');
    expect(lines.filter((line) => !/^[A-Za-z0-9._-]+==[A-Za-z0-9.+-]+$/.test(line))).toEqual([]);
    expect(lines.map((line) => line.split('==')[0]?.toLowerCase())).toEqual(
      expect.arrayContaining(['flask', 'werkzeug', 'bcrypt', 'requests', 'webob', 'tenacity', 'pbr']),
    );
  });
});

describe('the Python tools venv location', () => {
  it('is named for a short hash of the requirements that ignores comments and spacing', () => {
    const hash = requirementsHash('a==1\nb==2\n');
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(requirementsHash('# pins\na==1  \n\n b==2 # why\n')).toBe(hash);
    expect(requirementsHash('a==1\nb==3\n')).not.toBe(hash);
  });

  it('lives under the project cache (RACKPILOT_CACHE_DIR wins)', () => {
    expect(pythonToolsDir({ RACKPILOT_CACHE_DIR: '/c' }, 'a==1')).toBe(`/c/python/${requirementsHash('a==1')}`);
  });
});

describe('findSushyEmulator', () => {
  it('finds nothing in an empty cache, and installs nothing', () => {
    const env = tempCache();
    expect(findSushyEmulator(env)).toBeUndefined();
    expect(() => readFileSync(join(pythonToolsDir(env), 'bin', 'sushy-emulator'))).toThrow();
  });

  it('ignores a half-built venv (no marker), and finds the emulator once the marker is there', () => {
    const env = tempCache();
    const venv = pythonToolsDir(env);
    mkdirSync(join(venv, 'bin'), { recursive: true });
    writeFileSync(join(venv, 'bin', 'sushy-emulator'), '#!/bin/sh\n');
    chmodSync(join(venv, 'bin', 'sushy-emulator'), 0o755);
    expect(findSushyEmulator(env)).toBeUndefined();
    writeFileSync(join(venv, '.rackpilot-installed'), 'sushy-tools==2.2.0\n');
    expect(findSushyEmulator(env)).toBe(join(venv, 'bin', 'sushy-emulator'));
    expect(findSchemathesis(env)).toBeUndefined();
    writeFileSync(join(venv, 'bin', 'schemathesis'), '#!/bin/sh\n');
    chmodSync(join(venv, 'bin', 'schemathesis'), 0o755);
    expect(findSchemathesis(env)).toBe(join(venv, 'bin', 'schemathesis'));
  });
});

describe('lacksEnsurepip', () => {
  it("recognises Debian's message for a python3 without python3-venv", () => {
    const debian =
      'The virtual environment was not created successfully because ensurepip is not\navailable.  On Debian/Ubuntu systems, you need to install the python3-venv\npackage';
    expect(lacksEnsurepip(debian)).toBe(true);
    expect(lacksEnsurepip('/usr/bin/python3: No module named ensurepip')).toBe(true);
    expect(lacksEnsurepip('Error: [Errno 13] Permission denied')).toBe(false);
  });
});
