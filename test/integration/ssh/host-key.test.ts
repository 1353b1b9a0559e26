import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HostKeyMismatchError, SshUnavailableError } from '../../../agent/ssh/errors.js';
import { Ssh2Runner } from '../../../agent/ssh/ssh2-runner.js';
import { startLab, type Lab } from './lab-harness.js';
import { generateSshKeyPair } from '../../../shared/ssh-key-pair.js';

const run = promisify(execFile);
const newHostKey = () => generateSshKeyPair();

describe('host key pinning per boot', () => {
  const labs: Lab[] = [];
  const started = async (options: Parameters<typeof startLab>[0] = {}) => {
    const lab = await startLab(options);
    labs.push(lab);
    return lab;
  };
  afterEach(async () => {
    await Promise.all(labs.splice(0).map((l) => l.cleanup()));
  });

  it('trusts and returns the first key of a boot, in the fingerprint format ssh-keygen prints', async () => {
    const key = newHostKey();
    const lab = await started({ hostKey: key.private });
    const runner = lab.runner();
    expect(runner.hostKeyFingerprint).toBeUndefined();
    expect(await runner.connect()).toBe(lab.server.hostKeyFingerprint);
    const pubFile = join(lab.dir, 'host_key.pub');
    await writeFile(pubFile, `${key.public}\n`);
    const keygen = await run('ssh-keygen', ['-lf', pubFile]).catch(() => null);
    if (keygen) expect(keygen.stdout.split(' ')[1]).toBe(runner.hostKeyFingerprint);
  });

  it('accepts the key pinned earlier in the same boot', async () => {
    const lab = await started();
    const runner = lab.runner(lab.server.hostKeyFingerprint);
    expect((await runner.exec('cat /proc/meminfo')).code).toBe(0);
  });

  it('refuses another key with a non-retryable HOST_KEY_MISMATCH, before any command runs', async () => {
    const lab = await started();
    const runner = lab.runner('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const error = await runner
      .exec('lsblk -J -b -o NAME,SIZE,MODEL,SERIAL,WWN,ROTA,TYPE,TRAN')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error).toMatchObject({
      code: 'HOST_KEY_MISMATCH',
      retryable: false,
      details: {
        expected: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        actual: lab.server.hostKeyFingerprint,
      },
    });
    expect(lab.server.commandLog).toEqual([]);
  });

  it('detects a different machine answering on the same address after the connection dropped', async () => {
    const first = await started();
    const runner = first.runner();
    await runner.exec('cat /proc/meminfo');
    const pinned = runner.hostKeyFingerprint;
    await first.server.stop();
    const impostor = await started({ port: first.server.port });
    const error = await runner.exec('cat /proc/meminfo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error).toMatchObject({ details: { expected: pinned, actual: impostor.server.hostKeyFingerprint } });
    expect(impostor.server.commandLog).toEqual([]);
    await runner.close();
  });

  it('reconnects transparently when the same machine comes back with the same key', async () => {
    const hostKey = newHostKey().private;
    const agentKey = newHostKey();
    const first = await started({ hostKey, agentKey });
    const runner = first.runner();
    await runner.exec('cat /proc/meminfo');
    const pinned = runner.hostKeyFingerprint;
    await first.server.stop();
    const again = await started({ hostKey, agentKey, port: first.server.port });
    expect((await runner.exec('cat /proc/meminfo')).code).toBe(0);
    expect(runner.hostKeyFingerprint).toBe(pinned);
    expect(again.server.commandLog).toEqual(['cat /proc/meminfo']);
    await runner.close();
  });

  it('fails with a retryable SSH_UNAVAILABLE when the agent key is not authorised', async () => {
    const lab = await started();
    const stranger = new Ssh2Runner({
      host: lab.server.host,
      port: lab.server.port,
      username: 'root',
      privateKey: newHostKey().private,
    });
    const error = await stranger.exec('cat /proc/meminfo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshUnavailableError);
    expect(error).toMatchObject({ code: 'SSH_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toMatch(/authentication/i);
  });
});
