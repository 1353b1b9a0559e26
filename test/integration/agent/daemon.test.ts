import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobHandler } from '../../../agent/jobs/job-context.js';
import { buildAgent, tempDataDir, until, type TestAgent } from './daemon-harness.js';
import { FakeAgentApi } from './fake-agent-api.js';

/**
 * The real agent daemon end to end against an in-test API on loopback: enrollment, heartbeats,
 * long-poll claims, progress heartbeats, completion, withdrawal, API outages and restarts.
 */

let api: FakeAgentApi;
let data: Awaited<ReturnType<typeof tempDataDir>>;
const agents: TestAgent[] = [];
const agent = (...args: Parameters<typeof buildAgent> extends [unknown, unknown, ...infer R] ? R : never) => {
  const built = buildAgent(api, data.dir, ...args);
  agents.push(built);
  return built;
};
const MAC = 'b4:96:91:a1:b2:c0';

/** A handler that reports progress until its signal aborts or `release` is called. */
function controllable() {
  const state = { running: 0, maxRunning: 0, aborted: 0, releases: [] as (() => void)[] };
  const handler: JobHandler<'bmc.power'> = async (_payload, ctx) => {
    state.running += 1;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    try {
      let step = 0;
      await new Promise<void>((resolve, reject) => {
        const tick = setInterval(() => ctx.reportProgress({ step: ++step }, `step ${step}`), 20);
        state.releases.push(() => (clearInterval(tick), resolve()));
        ctx.signal.addEventListener('abort', () => (clearInterval(tick), state.aborted++, reject(ctx.signal.reason)));
      });
      return { powerState: 'on' };
    } finally {
      state.running -= 1;
    }
  };
  return { state, handler, releaseAll: () => state.releases.splice(0).forEach((r) => r()) };
}

beforeEach(async () => {
  api = await new FakeAgentApi().start();
  data = await tempDataDir();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.daemon.stop(0)));
  await api.stop();
  await data.cleanup();
});

describe('agent daemon against the agent API', () => {
  it('enrolls once, saves its credential 0600, heartbeats its capabilities and completes a boot.prepare job', async () => {
    const { daemon, plans } = agent();
    await daemon.start();
    expect((await stat(join(data.dir, 'agent-credential.json'))).mode & 0o777).toBe(0o600);
    const job = api.enqueue('boot.prepare', { assetId: 'a1', macs: [MAC], plan: { kind: 'utility' } });
    await until(() => job.state === 'completed', 5_000, 'completion');
    expect(job.result).toEqual({ bootServerUrl: 'http://127.0.0.1:18080' });
    expect(plans.get(MAC)).toMatchObject({ kind: 'utility', assetId: 'a1', jobId: job.id });
    await until(() => api.heartbeats.length >= 2);
    expect(api.heartbeats[0]).toMatchObject({ version: '0.1.0-test', bootServerUrl: 'http://127.0.0.1:18080' });
    expect(api.heartbeats[0]?.capabilities).toContain('ssh.wipe');
    expect(api.registrations).toEqual(['rack-1-agent']);
  });

  it('sends progress and log lines in job heartbeats while a job runs, then completes it', async () => {
    const slow = controllable();
    const { daemon } = agent({ handlers: { 'bmc.power': slow.handler } });
    await daemon.start();
    const job = api.enqueue('bmc.power', { assetId: 'a1', action: 'on' });
    await until(() => job.heartbeats.length >= 3, 5_000, 'job heartbeats');
    slow.releaseAll();
    await until(() => job.state === 'completed');
    const logs = job.heartbeats.flatMap((h) => h.logs ?? []);
    expect(logs.slice(0, 3)).toEqual(['step 1', 'step 2', 'step 3']);
    expect(new Set(logs).size).toBe(logs.length); // each line sent once
    expect(job.heartbeats.at(-1)?.progress).toMatchObject({ step: expect.any(Number) });
  });

  it('aborts a withdrawn job at its next heartbeat and reports nothing for it', async () => {
    const slow = controllable();
    const { daemon, metrics } = agent({ handlers: { 'bmc.power': slow.handler } });
    await daemon.start();
    const job = api.enqueue('bmc.power', { assetId: 'a1', action: 'on' });
    await until(() => slow.state.running === 1);
    api.withdraw(job.id);
    await until(() => slow.state.aborted === 1, 5_000, 'abort');
    await until(() => daemon.runningJobs === 0);
    expect(job.state).toBe('withdrawn');
    expect(job.result).toBeUndefined();
    expect(job.failure).toBeUndefined();
    const counted = await metrics.registry.getSingleMetricAsString('rackpilot_agent_jobs_total');
    expect(counted).toContain('kind="bmc.power",outcome="withdrawn"} 1');
  });

  it('fails an unknown kind and a bad payload as InvalidJob (not retryable) and keeps running', async () => {
    const { daemon } = agent();
    await daemon.start();
    const unknown = api.enqueue('bmc.explode', { assetId: 'a1' });
    const bad = api.enqueue('boot.prepare', { assetId: 'a1', macs: ['not-a-mac'], plan: { kind: 'utility' } });
    const good = api.enqueue('boot.prepare', { assetId: 'a2', macs: [MAC], plan: { kind: 'local-disk' } });
    await until(() => good.state === 'completed' && unknown.state === 'failed' && bad.state === 'failed');
    expect(unknown.failure).toMatchObject({ type: 'InvalidJob', retryable: false });
    expect(bad.failure).toMatchObject({ type: 'InvalidJob', retryable: false });
    expect(bad.failure?.message).toMatch(/macs/);
  });

  it('runs at most `concurrency` jobs at once and claims more as slots free up', async () => {
    const slow = controllable();
    const { daemon } = agent({ concurrency: 2, handlers: { 'bmc.power': slow.handler } });
    await daemon.start();
    const jobs = [1, 2, 3, 4].map(() => api.enqueue('bmc.power', { assetId: 'a1', action: 'on' }));
    await until(() => slow.state.running === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(jobs.filter((j) => j.state === 'claimed')).toHaveLength(2);
    slow.releaseAll();
    await until(() => slow.state.running === 2 && jobs.filter((j) => j.state === 'completed').length === 2);
    slow.releaseAll();
    await until(() => jobs.every((j) => j.state === 'completed'));
    expect(slow.state.maxRunning).toBe(2);
  });

  it('backs off while the API is down and picks up work again when it is back', async () => {
    const { daemon, metrics } = agent();
    await daemon.start();
    await until(() => api.heartbeats.length >= 1);
    await api.stop();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const errors = await metrics.registry.getSingleMetricAsString('rackpilot_agent_api_errors_total');
    expect(errors).toMatch(/operation="claim",code="API_UNREACHABLE"} [1-9]/);
    // Backing off: far fewer attempts than a tight loop would make in 700 ms.
    const claimFailures = Number(/operation="claim",code="API_UNREACHABLE"} (\d+)/.exec(errors)?.[1]);
    expect(claimFailures).toBeLessThan(15);
    await api.start();
    const job = api.enqueue('boot.prepare', { assetId: 'a1', macs: [MAC], plan: { kind: 'utility' } });
    await until(() => job.state === 'completed', 5_000, 'completion after recovery');
  });

  it('reuses its saved credential after a restart instead of enrolling again', async () => {
    const first = agent();
    await first.daemon.start();
    await first.daemon.stop(0);
    const second = agent({ enroll: false });
    const registration = await second.daemon.start();
    expect(registration.agentId).toBe('agent-1');
    const job = api.enqueue('boot.prepare', { assetId: 'a1', macs: [MAC], plan: { kind: 'utility' } });
    await until(() => job.state === 'completed');
    expect(api.registrations).toHaveLength(1);
    expect(api.credentialsSeen.size).toBe(1);
  });

  it('refuses to start without a saved credential or an enrollment token', async () => {
    const { daemon } = agent({ enroll: false });
    await expect(daemon.start()).rejects.toThrow(/No agent credential/);
  });

  it('on shutdown lets running jobs finish within the grace period, and abandons them past it without a report', async () => {
    const slow = controllable();
    const { daemon } = agent({ handlers: { 'bmc.power': slow.handler } });
    await daemon.start();
    const finishing = api.enqueue('bmc.power', { assetId: 'a1', action: 'on' });
    await until(() => slow.state.running === 1);
    setTimeout(() => slow.releaseAll(), 100);
    await daemon.stop(2_000);
    expect(finishing.state).toBe('completed');

    const second = agent({ handlers: { 'bmc.power': slow.handler } });
    await second.daemon.start();
    const abandoned = api.enqueue('bmc.power', { assetId: 'a1', action: 'on' });
    await until(() => slow.state.running === 1);
    await second.daemon.stop(100);
    expect(abandoned.state).toBe('claimed'); // left to its lease
    expect(abandoned.failure).toBeUndefined();
    const late = api.enqueue('boot.prepare', { assetId: 'a1', macs: [MAC], plan: { kind: 'utility' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(late.state).toBe('queued'); // a stopped agent claims nothing
  });
});
