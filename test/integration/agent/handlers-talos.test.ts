import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestSecrets, issueTalosIdentity, type TestTalosIdentity } from '../../../lab/talos-node/test-pki.js';
import { startLabTalosNode, type LabTalosNode } from '../talos/talos-lab-fixture.js';
import { handlerHarness } from './handler-harness.js';

/** Talos and Kubernetes jobs through the production job context, against the lab's Talos node (mTLS on loopback). */

const IP = '127.10.0.61';
let lab: LabTalosNode;
let harness: ReturnType<typeof handlerHarness>;

function talosconfig(identity: TestTalosIdentity): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return [
    'context: c1',
    'contexts:',
    '  c1:',
    `    endpoints: [${IP}]`,
    `    ca: ${b64(identity.ca)}`,
    `    crt: ${b64(identity.cert)}`,
    `    key: ${b64(identity.key)}`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  lab = await startLabTalosNode(IP);
  harness = handlerHarness({ talosApiPort: lab.node.apiPort });
  harness.documents.set('talosconfig/c1', talosconfig(lab.admin));
  const stranger = await generateTestSecrets('stranger');
  const foreign = await issueTalosIdentity(stranger.osCa, { trustCaPem: lab.secrets.osCa.certPem });
  harness.documents.set('talosconfig/c-foreign', talosconfig(foreign));
});
afterAll(async () => {
  await lab?.node.close();
});

describe('Talos job handlers against the lab Talos node', () => {
  it('talos.waitApi returns the node version', async () => {
    const payload = { assetId: 'a1', clusterId: 'c1', nodeIp: IP };
    expect((await harness.run('talos.waitApi', payload)).result).toEqual({ version: 'v1.11.0' });
  });

  it('talos.bootstrap bootstraps once, then reports "already"', async () => {
    expect((await harness.run('talos.bootstrap', { clusterId: 'c1', nodeIp: IP })).result).toEqual({
      outcome: 'bootstrapped',
    });
    expect((await harness.run('talos.bootstrap', { clusterId: 'c1', nodeIp: IP })).result).toEqual({
      outcome: 'already',
    });
    expect(lab.node.bootstrapCalls).toBe(1);
  });

  it('talos.kubeconfig fetches an admin kubeconfig that k8s.waitReady then uses against /readyz', async () => {
    const { result } = await harness.run('talos.kubeconfig', { clusterId: 'c1', nodeIp: IP });
    const kubeconfig = (result as { kubeconfig: string }).kubeconfig;
    expect(kubeconfig).toContain('current-context: admin@rackpilot-it');
    harness.documents.set('kubeconfig/c1', kubeconfig);
    const endpoint = `https://${IP}:${lab.node.kubePort}`;
    const ready = await harness.run('k8s.waitReady', { clusterId: 'c1', endpoint });
    expect(ready.result).toEqual({ ready: true });
    expect(ready.logs.at(-1)).toMatch(/readyz: 200 ok/);
  });

  it('fails with TalosAuthFailed, not retryable, when the client certificate is not signed by the cluster CA', async () => {
    const outcome = await harness.run('talos.waitApi', { assetId: 'a1', clusterId: 'c-foreign', nodeIp: IP });
    expect(outcome.failure).toMatchObject({ type: 'TalosAuthFailed', retryable: false });
  });
});
