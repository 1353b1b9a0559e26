import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshCommandTimeoutError } from '../../../agent/ssh/errors.js';
import { NVME, startLab, type Lab } from './lab-harness.js';

const FORMAT = 'nvme format /dev/nvme0n1 --ses=1 --force';

describe('command timeout and cancellation over ssh2', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ disks: [{ ...NVME, eraseDelayMs: 1500 }] });
  });
  afterAll(async () => {
    await lab.cleanup();
  });

  it('kills a command past its timeout with a retryable SSH_COMMAND_TIMEOUT, and the connection stays usable', async () => {
    const runner = lab.runner();
    const started = Date.now();
    const error = await runner.exec(FORMAT, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshCommandTimeoutError);
    expect(error).toMatchObject({ code: 'SSH_COMMAND_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await runner.exec('cat /proc/meminfo')).code).toBe(0);
  });

  it('stops waiting when the job is cancelled, with the signal’s reason', async () => {
    const runner = lab.runner();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job cancelled by the API')), 100);
    await expect(runner.exec(FORMAT, { signal: controller.signal })).rejects.toThrow('job cancelled by the API');
    expect((await runner.exec('cat /proc/meminfo')).code).toBe(0);
  });

  it('waits for a slow erase within its timeout', async () => {
    const result = await lab.runner().exec(FORMAT, { timeoutMs: 10_000 });
    expect(result).toEqual({ code: 0, stdout: 'Success formatting namespace:1\n', stderr: '' });
  });
});
