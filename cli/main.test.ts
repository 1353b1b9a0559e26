import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from './context.js';
import { run } from './main.js';

/** Captures what a run writes. */
function capture() {
  const out = { text: '', isTTY: false, write: (t: string) => ((out.text += t), true) };
  const err = { text: '', isTTY: false, write: (t: string) => ((err.text += t), true) };
  return { out, err };
}

// Argument parsing and exit codes, through the same `run()` the binary calls; the API is a fake
// fetch here (the integration tests run the binary against a real API).
describe('rackpilot’s command line', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'rackpilot-main-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  async function rackpilot(argv: string[], options: { fetch?: CliIo['fetch']; env?: Record<string, string> } = {}) {
    const { out, err } = capture();
    const code = await run(argv, {
      stdout: out,
      stderr: err,
      env: { XDG_CONFIG_HOME: join(home, 'xdg'), ...options.env },
      homedir: home,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { code, stdout: out.text, stderr: err.text };
  }

  const loggedIn = { RACKPILOT_API_URL: 'http://api.test', RACKPILOT_API_KEY: 'rp_aaaaaaaaaaaa_secret' };

  it('exits 0 for --help and --version, printing them on stdout', async () => {
    const help = await rackpilot(['clusters', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kubeconfig [options] <id>');
    const version = await rackpilot(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it('exits 2 for usage errors, before any request', async () => {
    const requests: string[] = [];
    const fetch = (async (input: Request) => (
      requests.push(input.url),
      new Response('{}')
    )) as unknown as CliIo['fetch'];
    for (const argv of [
      [],
      ['assets'],
      ['nope'],
      ['assets', 'get'],
      ['assets', 'get', 'a', 'b'],
      ['assets', 'wipe', 'ast_1'],
      ['assets', 'wipe', 'ast_1', '--mode', 'shred'],
      ['assets', 'ls', '--per-page', 'ten'],
      ['clusters', 'create'],
      ['keys', 'create', '--name', 'x', '--role', 'root'],
      ['assets', 'enrol', '--site', 'site_1'],
      ['assets', 'provision', 'ast_1', '--install-disk', 'sda'],
      ['assets', 'ls', '--label', 'rack'],
    ]) {
      const res = await rackpilot(argv, { env: loggedIn, fetch });
      expect(res.code, `${argv.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr, argv.join(' ')).not.toBe('');
    }
    expect(requests).toEqual([]);
  });

  it('exits 3 and prints the API’s {error, code, details} plainly when the API refuses', async () => {
    const fetch = (async () =>
      new Response(JSON.stringify({ error: 'Missing or invalid API key', code: 'UNAUTHORIZED', details: null }), {
        status: 401,
        headers: { 'content-type': 'application/json' },
      })) as unknown as CliIo['fetch'];
    const res = await rackpilot(['assets', 'ls'], { env: loggedIn, fetch });
    expect(res).toEqual({
      code: 3,
      stdout: '',
      stderr: 'error: Missing or invalid API key\ncode: UNAUTHORIZED\nstatus: 401\ndetails: null\n',
    });
    const asJson = await rackpilot(['assets', 'ls', '-o', 'json'], { env: loggedIn, fetch });
    expect(JSON.parse(asJson.stderr)).toEqual({
      error: 'Missing or invalid API key',
      code: 'UNAUTHORIZED',
      status: 401,
      details: null,
    });
  });

  it('sends the environment’s key and prints the list in the format asked for', async () => {
    const seen: Request[] = [];
    const fetch = (async (input: Request) => {
      seen.push(input);
      return new Response(JSON.stringify({ sites: [], page: 1, perPage: 50, total: 0 }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as unknown as CliIo['fetch'];
    const res = await rackpilot(['sites', '-o', 'yaml', '--name', 'fra-1'], { env: loggedIn, fetch });
    expect(res).toMatchObject({ code: 0, stdout: 'sites: []\npage: 1\nperPage: 50\ntotal: 0\n' });
    expect(seen[0]!.url).toBe('http://api.test/api/v1/sites?name=fra-1');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer rp_aaaaaaaaaaaa_secret');
  });
});
