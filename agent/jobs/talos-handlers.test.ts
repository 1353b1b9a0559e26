import { describe, expect, it } from 'vitest';
import type { TalosClient, TalosVersion } from '../talos/talos-client.js';
import { TalosError, TalosErrorCodes } from '../talos/talos-errors.js';
import { runJob } from './job-handlers.js';
import { toJobFailure } from './job-failure.js';
import { testContext } from './test-context.js';

const VERSION: TalosVersion = { tag: 'v1.11.0', sha: 'abc', arch: 'amd64', platform: null, rbac: true };

function fakeTalos(overrides: Partial<TalosClient> = {}): TalosClient {
  const refuse = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    version: async () => VERSION,
    waitForApi: async () => VERSION,
    bootstrap: async () => 'already',
    kubeconfig: async () => 'apiVersion: v1\nkind: Config\n',
    applyConfiguration: refuse,
    reset: refuse,
    close: () => {},
    ...overrides,
  };
}

describe('Talos job handlers', () => {
  it('talos.waitApi returns the node version, passing the job signal to the waiter', async () => {
    let seen: AbortSignal | undefined;
    const { ctx } = testContext({
      talos: () => fakeTalos({ waitForApi: async (_d, o) => ((seen = o?.signal), VERSION) }),
    });
    expect(await runJob('talos.waitApi', { assetId: 'a1', clusterId: 'c1', nodeIp: '10.0.0.11' }, ctx)).toEqual({
      version: 'v1.11.0',
    });
    expect(seen).toBe(ctx.signal);
  });

  it('talos.bootstrap reports "already" for a node bootstrapped by an earlier attempt', async () => {
    const { ctx } = testContext({ talos: () => fakeTalos() });
    expect(await runJob('talos.bootstrap', { clusterId: 'c1', nodeIp: '10.0.0.11' }, ctx)).toEqual({
      outcome: 'already',
    });
  });

  it('talos.kubeconfig returns the kubeconfig', async () => {
    const { ctx } = testContext({ talos: () => fakeTalos() });
    expect(await runJob('talos.kubeconfig', { clusterId: 'c1', nodeIp: '10.0.0.11' }, ctx)).toEqual({
      kubeconfig: 'apiVersion: v1\nkind: Config\n',
    });
  });

  it('maps refused Talos credentials to TalosAuthFailed, not retryable', async () => {
    const auth = new TalosError(TalosErrorCodes.AuthFailed, 'certificate signed by unknown authority');
    const { ctx } = testContext({ talos: () => fakeTalos({ waitForApi: async () => Promise.reject(auth) }) });
    const failure = await runJob('talos.waitApi', { assetId: 'a1', clusterId: 'c1', nodeIp: '10.0.0.11' }, ctx).then(
      () => undefined,
      toJobFailure,
    );
    expect(failure).toMatchObject({ type: 'TalosAuthFailed', retryable: false });
  });

  it('k8s.waitReady fails KubeconfigInvalid (not retryable) when the cluster kubeconfig is unusable', async () => {
    const { ctx } = testContext({ kubeconfig: 'not: a kubeconfig' });
    const failure = await runJob('k8s.waitReady', { clusterId: 'c1', endpoint: 'https://10.0.0.10:6443' }, ctx).then(
      () => undefined,
      toJobFailure,
    );
    expect(failure).toMatchObject({ type: 'KubeconfigInvalid', retryable: false });
  });
});
