import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryCommands } from '../../../agent/ssh/commands.js';
import { parseLsblk, parseLscpu } from '../../../agent/ssh/inventory-parsers.js';
import { MIB, writeRandom } from './disk-content.js';
import { startLab, type Lab } from './lab-harness.js';
import { generateSshKeyPair } from '../../../shared/ssh-key-pair.js';

const execFileAsync = promisify(execFile);
const hasSsh = await execFileAsync('ssh', ['-V']).then(
  () => true,
  () => false,
);

/** Runs the OpenSSH client (asynchronously: the server lives in this process). */
async function ssh(
  lab: Lab,
  command: string,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  // ssh keeps the first value given for an option, so the test's own options go first.
  const args = [
    ...extra,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-i',
    lab.privateKeyFile,
    '-p',
    String(lab.server.port),
    'root@127.0.0.1',
    command,
  ];
  return execFileAsync('ssh', args, { encoding: 'utf8' }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

describe.skipIf(!hasSsh)('the OpenSSH client against the lab utility OS', () => {
  const hostKey = generateSshKeyPair();
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hostKey: hostKey.private });
  });
  afterAll(async () => {
    await lab.cleanup();
  });

  it('logs in with the agent key and gets lsblk and lscpu output the agent parsers read', async () => {
    const lsblk = await ssh(lab, InventoryCommands.lsblk);
    expect(lsblk.code).toBe(0);
    expect(parseLsblk(lsblk.stdout).map((d) => d.path)).toEqual(['/dev/nvme0n1', '/dev/sda', '/dev/sdb']);
    const lscpu = await ssh(lab, InventoryCommands.lscpu);
    expect(parseLscpu(lscpu.stdout)).toMatchObject({ cores: 64, threads: 128 });
  });

  it('passes exit codes and stderr through: 127 for unknown commands, 1 from cmp on non-zero data', async () => {
    expect(await ssh(lab, 'smartctl -a /dev/sda')).toMatchObject({
      code: 127,
      stderr: expect.stringContaining('smartctl: command not found'),
    });
    await writeRandom(lab.server.diskFile('sda'), 0, MIB);
    const cmp = await ssh(lab, 'cmp -n 4096 /dev/zero /dev/sda');
    expect(cmp.code).toBe(1);
    expect(cmp.stdout).toMatch(/^\/dev\/zero \/dev\/sda differ: byte 1, line 1/);
  });

  it('accepts the server under strict host key checking with its key in known_hosts, and refuses another key', async () => {
    const knownHosts = join(lab.dir, 'known_hosts');
    const strict = ['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`];
    await writeFile(knownHosts, `[127.0.0.1]:${lab.server.port} ${hostKey.public}\n`);
    expect((await ssh(lab, InventoryCommands.meminfo, strict)).code).toBe(0);
    await writeFile(knownHosts, `[127.0.0.1]:${lab.server.port} ${generateSshKeyPair().public}\n`);
    const refused = await ssh(lab, InventoryCommands.meminfo, strict);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});
