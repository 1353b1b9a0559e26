import { describe, expect, it } from 'vitest';
import { BootPlanRegistry } from '../boot/boot-plans.js';
import { JOB_KINDS } from '../../shared/jobs.js';
import { AgentApiError } from '../api-client/api-errors.js';
import { JOB_HANDLERS, runJob } from './job-handlers.js';
import { toJobFailure } from './job-failure.js';
import { testContext } from './test-context.js';

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, toJobFailure);

describe('runJob', () => {
  it('has a handler for every job kind of the catalogue', () => {
    expect(Object.keys(JOB_HANDLERS).sort()).toEqual([...JOB_KINDS].sort());
  });

  it('fails an unknown kind as InvalidJob, not retryable', async () => {
    const { ctx } = testContext();
    expect(await failureOf(runJob('bmc.explode', {}, ctx))).toMatchObject({ type: 'InvalidJob', retryable: false });
  });

  it('fails a payload that breaks its schema as InvalidJob naming the field', async () => {
    const { ctx } = testContext();
    const failure = await failureOf(runJob('bmc.power', { assetId: 'a1', action: 'explode' }, ctx));
    expect(failure).toMatchObject({ type: 'InvalidJob', retryable: false });
    expect(failure?.message).toMatch(/action/);
  });

  it('fails a result that breaks its schema as InvalidJob', async () => {
    const { ctx } = testContext();
    const handlers = { ...JOB_HANDLERS, 'bmc.status': async () => ({ powerState: 'sideways' }) as never };
    expect(await failureOf(runJob('bmc.status', { assetId: 'a1' }, ctx, handlers))).toMatchObject({
      type: 'InvalidJob',
    });
  });

  it('does not start a job whose signal is already aborted', async () => {
    const { ctx, abort } = testContext();
    abort.abort(new Error('withdrawn'));
    await expect(runJob('bmc.status', { assetId: 'a1' }, ctx)).rejects.toThrow('withdrawn');
  });

  it('maps API failures of credential fetches: unknown asset is final, API down is retryable', () => {
    const missing = new AgentApiError('Asset not found', { code: 'ASSET_NOT_FOUND', status: 404 });
    expect(toJobFailure(missing)).toMatchObject({ type: 'AssetNotFound', retryable: false });
    const down = new AgentApiError('API unreachable', { code: 'API_UNREACHABLE', status: 0 });
    expect(toJobFailure(down)).toMatchObject({ type: 'AgentApiUnavailable', retryable: true });
  });

  it('caps failure messages at the contract limit', () => {
    expect(toJobFailure(new Error('x'.repeat(10_000))).message.length).toBeLessThanOrEqual(4_000);
  });
});

describe('boot.prepare', () => {
  const MAC = 'b4:96:91:a1:b2:c0';

  it('registers a Talos plan with a per-machine config token and returns the boot server URL', async () => {
    const { ctx } = testContext();
    const plan = {
      kind: 'talos',
      talosVersion: 'v1.11.0',
      clusterId: 'c1',
      staticIp: { ip: '10.0.0.11', prefix: 24, gateway: '10.0.0.1' },
    };
    expect(await runJob('boot.prepare', { assetId: 'a1', macs: [MAC], plan }, ctx)).toEqual({
      bootServerUrl: 'http://10.0.0.2:8080',
    });
    const registered = ctx.bootPlans.get(MAC);
    expect(registered).toMatchObject({ kind: 'talos', assetId: 'a1', jobId: 'job-1', talos: { version: 'v1.11.0' } });
    expect(registered?.talos?.configUrlToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ctx.bootPlans.getByConfigToken(registered?.talos?.configUrlToken ?? '')?.mac).toBe(MAC);
  });

  it('gives each MAC of a machine its own config token', async () => {
    const { ctx } = testContext();
    const macs = [MAC, 'b4:96:91:a1:b2:c1'];
    await runJob(
      'boot.prepare',
      { assetId: 'a1', macs, plan: { kind: 'talos', talosVersion: 'v1.11.0', clusterId: 'c1' } },
      ctx,
    );
    const tokens = macs.map((m) => ctx.bootPlans.get(m)?.talos?.configUrlToken);
    expect(new Set(tokens).size).toBe(2);
  });

  it('makes a utility plan without MACs the default for unknown machines, until the machine is known', async () => {
    const { ctx } = testContext();
    await runJob('boot.prepare', { assetId: 'a1', macs: [], plan: { kind: 'utility' } }, ctx);
    expect(ctx.bootPlans.get('52:54:00:00:00:01')).toMatchObject({
      kind: 'utility',
      assetId: 'a1',
      mac: '52:54:00:00:00:01',
    });
    await runJob('boot.prepare', { assetId: 'a1', macs: [MAC], plan: { kind: 'local-disk' } }, ctx);
    expect(ctx.bootPlans.get('52:54:00:00:00:01')).toBeUndefined();
    expect(ctx.bootPlans.get(MAC)?.kind).toBe('local-disk');
  });

  it('refuses a Talos plan without MACs: a machine config never goes to an unknown machine', async () => {
    const { ctx } = testContext();
    const payload = { assetId: 'a1', macs: [], plan: { kind: 'talos', talosVersion: 'v1.11.0', clusterId: 'c1' } };
    expect(await failureOf(runJob('boot.prepare', payload, ctx))).toMatchObject({
      type: 'InvalidJob',
      retryable: false,
    });
    expect(ctx.bootPlans.defaultPlan).toBeUndefined();
  });

  it("keeps another asset's discovery default when a different asset becomes known", () => {
    const plans = new BootPlanRegistry();
    plans.setDefaultPlan({ kind: 'utility', jobId: 'j1', assetId: 'a1' });
    expect(plans.clearDefaultPlan({ assetId: 'a2' })).toBe(false);
    expect(plans.defaultPlan?.assetId).toBe('a1');
  });
});
