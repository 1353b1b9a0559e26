/**
 * The TFTP server against real clients: tftp-hpa's `tftp` (Debian package `tftp-hpa`; no option
 * support) and curl's TFTP (negotiates blksize and tsize), when the host has them. Skipped
 * otherwise, with the reason in the suite name.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTftpServer, type RunningTftpServer } from '../../../agent/boot/tftp-server.js';
import { memoryLogger } from './boot-harness.js';
import { makeTftpRoot, type TftpRoot } from './tftp-fixtures.js';

const run = promisify(execFile);
const hasTftpHpa = await run('tftp', ['-V']).then(
  (r) => r.stdout.includes('tftp-hpa'),
  () => false,
);

const hasCurlTftp = await run('curl', ['-V']).then(
  (r) => /Protocols:.*\btftp\b/.test(r.stdout),
  () => false,
);

describe.skipIf(!hasTftpHpa)('TFTP server with the tftp-hpa client (skipped when tftp-hpa is not installed)', () => {
  let root: TftpRoot;
  let server: RunningTftpServer;

  beforeAll(async () => {
    root = await makeTftpRoot();
    server = await startTftpServer({ root: root.root, host: '127.0.0.1', port: 0, logger: memoryLogger().logger });
  });
  afterAll(async () => {
    await server.close();
    await root.cleanup();
  });

  const tftp = (command: string) =>
    run('tftp', ['127.0.0.1', String(server.port), '-m', 'binary', '-c', ...command.split(' ')], {
      cwd: root.base,
      timeout: 20_000,
    });

  it.each(['ipxe.efi', 'undionly.kpxe'])('downloads %s byte-identical in binary mode', async (name) => {
    const out = join(root.base, `downloaded-${name}`);
    await tftp(`get ${name} ${out}`);
    expect((await readFile(out)).equals(await readFile(join(root.root, name)))).toBe(true);
  });

  it('reports the server refusing a put as error 2', async () => {
    const { stdout, stderr } = await tftp(`put secret.txt uploaded.txt`);
    expect(`${stdout}${stderr}`).toMatch(/Error code 2: read-only server/);
  });

  it('reports a path outside the root as error 2 and leaves the local file empty of secrets', async () => {
    const out = join(root.base, 'stolen.txt');
    const { stdout, stderr } = await tftp(`get ../secret.txt ${out}`);
    expect(`${stdout}${stderr}`).toMatch(/Error code 2: access violation/);
    expect(await readFile(out, 'utf8').catch(() => '')).not.toContain('outside');
  });
});

describe.skipIf(!hasCurlTftp)('TFTP server with curl (skipped when curl lacks TFTP)', () => {
  let root: TftpRoot;
  let server: RunningTftpServer;
  const { logger, lines } = memoryLogger();

  beforeAll(async () => {
    root = await makeTftpRoot();
    server = await startTftpServer({ root: root.root, host: '127.0.0.1', port: 0, logger });
  });
  afterAll(async () => {
    await server.close();
    await root.cleanup();
  });

  it("negotiates curl's block size and serves ipxe.efi byte-identical", async () => {
    const out = join(root.base, 'curl-ipxe.efi');
    await run('curl', ['-sS', '--tftp-blksize', '1428', '-o', out, `tftp://127.0.0.1:${server.port}/ipxe.efi`], {
      timeout: 20_000,
    });
    expect((await readFile(out)).equals(await readFile(join(root.root, 'ipxe.efi')))).toBe(true);
    const started = lines
      .map((l) => JSON.parse(l) as { msg: string; blksize?: number })
      .find((l) => l.msg === 'tftp transfer started');
    expect(started?.blksize).toBe(1428);
  });

  it('makes curl fail with its TFTP permission exit code (69) on a path outside the root', async () => {
    await expect(
      run('curl', ['-sS', '-o', '/dev/null', `tftp://127.0.0.1:${server.port}/..%2Fsecret.txt`], { timeout: 20_000 }),
    ).rejects.toMatchObject({ code: 69 });
  });
});
