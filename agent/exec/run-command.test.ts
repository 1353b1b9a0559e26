import { describe, expect, it } from 'vitest';
import { CommandSpawnError, runCommand } from './run-command.js';

const node = process.execPath;

describe('runCommand', () => {
  it('returns exit code, stdout, stderr and duration of a finished child', async () => {
    const result = await runCommand(node, [
      '-e',
      'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)',
    ]);
    expect(result).toMatchObject({
      exitCode: 3,
      signal: null,
      stdout: 'out',
      stderr: 'err',
      timedOut: false,
      truncated: false,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('passes arguments verbatim, without a shell', async () => {
    const tricky = ['$(touch /tmp/never)', 'a b', "'quoted'", ';', '*'];
    const result = await runCommand(node, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...tricky]);
    expect(JSON.parse(result.stdout)).toEqual(tricky);
  });

  it('passes secrets by environment and does not leak the agent environment', async () => {
    process.env.RACKPILOT_TEST_LEAK = 'agent-only';
    try {
      const result = await runCommand(
        node,
        [
          '-e',
          'console.log(JSON.stringify([process.env.IPMI_PASSWORD, process.env.RACKPILOT_TEST_LEAK ?? null, process.env.LC_ALL]))',
        ],
        { secretEnv: { IPMI_PASSWORD: 's3cret' } },
      );
      expect(JSON.parse(result.stdout)).toEqual(['s3cret', null, 'C']);
    } finally {
      delete process.env.RACKPILOT_TEST_LEAK;
    }
  });

  it('kills a child that runs past its timeout and reports timedOut', async () => {
    const result = await runCommand(node, ['-e', 'setTimeout(() => {}, 30_000)'], { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('escalates to SIGKILL when the child ignores SIGTERM', async () => {
    const script = 'process.on("SIGTERM", () => {}); console.log("ready"); setTimeout(() => {}, 30_000)';
    const result = await runCommand(node, ['-e', script], { timeoutMs: 300, killGraceMs: 200 });
    expect(result.signal).toBe('SIGKILL');
    expect(result.timedOut).toBe(true);
  });

  it('kills the child and rejects with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = runCommand(node, ['-e', 'setTimeout(() => {}, 30_000)'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    await expect(pending).rejects.toThrow('job cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(runCommand(node, ['-e', ''], { signal: AbortSignal.abort(new Error('too late')) })).rejects.toThrow(
      'too late',
    );
  });

  it('caps output and marks it truncated', async () => {
    const result = await runCommand(node, ['-e', 'process.stdout.write("x".repeat(100_000))'], {
      maxOutputBytes: 1000,
    });
    expect(result.stdout).toHaveLength(1000);
    expect(result.truncated).toBe(true);
    expect(result.exitCode).toBe(0);
  });

  it('rejects with CommandSpawnError when the executable does not exist', async () => {
    await expect(runCommand('/nonexistent/rackpilot-tool', [])).rejects.toBeInstanceOf(CommandSpawnError);
  });
});
