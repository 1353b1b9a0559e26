import { afterEach, describe, expect, it } from 'vitest';
import { createTalosClient, type TalosClient } from '../../../agent/talos/talos-client.js';
import { TalosErrorCodes, type TalosError } from '../../../agent/talos/talos-errors.js';
import { startLabTalosNode, type LabTalosNode } from './talos-lab-fixture.js';

describe('Talos Bootstrap against the simulated node', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function nodeAndClient(
    ip: string,
    options: Parameters<typeof startLabTalosNode>[1],
  ): Promise<{ lab: LabTalosNode; client: TalosClient }> {
    const lab = await startLabTalosNode(ip, options);
    cleanups.push(() => lab.node.close());
    const client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...lab.admin });
    cleanups.push(() => client.close());
    return { lab, client };
  }

  it('retries while the node answers FailedPrecondition, then bootstraps', async () => {
    const { lab, client } = await nodeAndClient('127.10.0.31', { faults: { bootstrapFailedPreconditionCount: 3 } });
    const retries: TalosError[] = [];
    const result = await client.bootstrap(Date.now() + 15_000, {
      initialDelayMs: 50,
      maxDelayMs: 200,
      onRetry: (_n, err) => retries.push(err),
    });
    expect(result).toBe('bootstrapped');
    expect(retries).toHaveLength(3);
    expect(retries.every((err) => err.message.includes('bootstrap is not available yet'))).toBe(true);
    expect(lab.node.bootstrapped).toBe(true);
  });

  it('gives up with TalosBootstrapTimeout when the node is never ready before the deadline', async () => {
    const { lab, client } = await nodeAndClient('127.10.0.32', { faults: { bootstrapFailedPreconditionCount: 1_000 } });
    const started = Date.now();
    const error = await client
      .bootstrap(Date.now() + 1_000, { initialDelayMs: 100, maxDelayMs: 200 })
      .catch((err: TalosError) => err);
    expect(error).toMatchObject({ code: TalosErrorCodes.BootstrapTimeout, retryable: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(lab.node.bootstrapped).toBe(false);
  });

  it('refuses bootstrap and kubeconfig on a worker with TalosNotControlPlane, without retrying', async () => {
    const { client } = await nodeAndClient('127.10.0.33', { type: 'worker' });
    let retried = 0;
    await expect(client.bootstrap(Date.now() + 5_000, { onRetry: () => (retried += 1) })).rejects.toMatchObject({
      code: TalosErrorCodes.NotControlPlane,
    });
    expect(retried).toBe(0);
    await expect(client.kubeconfig()).rejects.toMatchObject({ code: TalosErrorCodes.NotControlPlane });
  });

  it('refuses bootstrap without an etcd CA in the config (InvalidArgument → TalosRequestRejected)', async () => {
    const { client } = await nodeAndClient('127.10.0.34', { withoutEtcdCa: true });
    await expect(client.bootstrap(Date.now() + 5_000)).rejects.toMatchObject({ code: TalosErrorCodes.RequestRejected });
  });

  it('reassembles a kubeconfig streamed in many small common.Data chunks', async () => {
    const { client } = await nodeAndClient('127.10.0.35', { faults: { kubeconfigChunkBytes: 64 } });
    const yaml = await client.kubeconfig();
    expect(yaml).toContain('client-certificate-data:');
    expect(yaml).toContain('current-context: admin@rackpilot-it');
  });
});
