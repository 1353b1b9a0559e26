import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTalosClient, type TalosClient } from '../../../agent/talos/talos-client.js';
import { TalosErrorCodes } from '../../../agent/talos/talos-errors.js';
import type { ResetRequest } from '../../../agent/talos/talos-proto.js';
import { startLabTalosNode, type LabTalosNode } from './talos-lab-fixture.js';

describe('Talos Reset against the simulated node', () => {
  let lab: LabTalosNode;
  let client: TalosClient;

  beforeAll(async () => {
    lab = await startLabTalosNode('127.10.0.25');
    client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...lab.admin, callTimeoutMs: 3_000 });
  });
  afterAll(async () => {
    client?.close();
    await lab?.node.close();
  });

  it('wipes the node: it answers with an actor id, clears its state and stops serving', async () => {
    expect(await client.bootstrap(Date.now() + 5_000)).toBe('bootstrapped');
    const wiped = new Promise<ResetRequest>((resolve) => lab.node.onReset(resolve));
    const { actorId } = await client.reset({ graceful: false, reboot: true });
    expect(actorId).toMatch(/^[0-9a-f-]{36}$/);
    const request = await wiped;
    expect(request).toMatchObject({ graceful: false, reboot: true, mode: 'ALL' });
    expect(lab.node.phase).toBe('reset');
    expect(lab.node.bootstrapped).toBe(false);
    await expect(client.version()).rejects.toMatchObject({ code: TalosErrorCodes.Unreachable });
  });
});
