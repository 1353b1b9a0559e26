import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForKubeReadyz, type ReadyzProgress } from '../../../agent/talos/kube-readyz.js';
import { createTalosClient, type TalosClient } from '../../../agent/talos/talos-client.js';
import { TalosErrorCodes } from '../../../agent/talos/talos-errors.js';
import { generateAdminKubeconfig } from '../../../lab/talos-node/kubeconfig-archive.js';
import { createCa, loadSigningCa } from '../../../lab/talos-node/pki.js';
import { startLabTalosNode, type LabTalosNode } from './talos-lab-fixture.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';

describe('Kubernetes /readyz of the simulated node, with the kubeconfig fetched over the Talos API', () => {
  let lab: LabTalosNode;
  let client: TalosClient;
  let dir: string;
  let kubeconfig: string;

  async function kubectlReadyz(
    kubeconfigYaml: string,
    name: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const file = join(dir, name);
    await writeFile(file, kubeconfigYaml, { mode: 0o600 });
    try {
      const { stdout, stderr } = await run(
        KUBECTL,
        ['--kubeconfig', file, 'get', '--raw', '/readyz', '--request-timeout=10s'],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir },
          timeout: 30_000,
        },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-talos-it-'));
    lab = await startLabTalosNode('127.10.0.41', { faults: { kubeApiReadyDelayMs: 1_000 } });
    client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...lab.admin });
    kubeconfig = await client.kubeconfig();
  });
  afterAll(async () => {
    client?.close();
    await lab?.node.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports KubeApiNotReady at the deadline while etcd is not bootstrapped (nothing listens on 6443)', async () => {
    const progress: ReadyzProgress[] = [];
    const started = Date.now();
    await expect(
      waitForKubeReadyz({
        kubeconfig,
        deadline: Date.now() + 800,
        initialDelayMs: 100,
        onProgress: (p) => progress.push(p),
      }),
    ).rejects.toMatchObject({ code: TalosErrorCodes.KubeApiNotReady, retryable: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(progress.length).toBeGreaterThan(1);
    // No HTTP status ever: nothing answered. The last attempt may be cut by the deadline instead of refused.
    expect(progress.every((p) => p.status === undefined)).toBe(true);
    expect(progress.some((p) => /ECONNREFUSED/.test(p.message))).toBe(true);
  });

  it('waits through the API server start-up (500) until /readyz answers ok with the admin client certificate', async () => {
    expect(await client.bootstrap(Date.now() + 10_000)).toBe('bootstrapped');
    const progress: ReadyzProgress[] = [];
    await waitForKubeReadyz({
      kubeconfig,
      deadline: Date.now() + 20_000,
      initialDelayMs: 100,
      maxDelayMs: 300,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.at(-1)).toMatchObject({ status: 200, message: 'ok' });
    expect(lab.node.kubeApiError).toBeUndefined();
    expect(progress.some((p) => p.status === 500 && /readyz check failed/.test(p.message))).toBe(true);
  });

  it('kubectl accepts the downloaded kubeconfig and reads /readyz', async () => {
    const result = await kubectlReadyz(kubeconfig, 'admin.kubeconfig');
    expect(result).toMatchObject({ code: 0, stdout: 'ok' });
  });

  it('refuses a client certificate from a foreign Kubernetes CA (401 → KubeAuthFailed; kubectl fails too)', async () => {
    const foreign = await loadSigningCa(
      ...(Object.values(await createCa('O=kubernetes', 'ecdsa')) as [string, string]),
    );
    const intruder = await generateAdminKubeconfig({
      clusterName: 'rackpilot-it',
      endpoint: lab.node.config.endpoint.href.replace(/\/$/, ''),
      kubernetesCa: foreign,
    });
    const realCaData = Buffer.from(lab.secrets.kubernetesCa.certPem).toString('base64');
    const trustingReal = intruder.replace(
      /certificate-authority-data: \S+/,
      `certificate-authority-data: ${realCaData}`,
    );
    await expect(waitForKubeReadyz({ kubeconfig: trustingReal, deadline: Date.now() + 5_000 })).rejects.toMatchObject({
      code: TalosErrorCodes.KubeAuthFailed,
      retryable: false,
    });
    const result = await kubectlReadyz(trustingReal, 'intruder.kubeconfig');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Unauthorized/);
  });

  it('refuses an API server whose certificate does not chain to the kubeconfig CA (KubeAuthFailed)', async () => {
    const otherCa = await createCa('O=kubernetes', 'ecdsa');
    const otherCaData = Buffer.from(otherCa.certPem).toString('base64');
    const wrongCa = kubeconfig.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${otherCaData}`);
    await expect(waitForKubeReadyz({ kubeconfig: wrongCa, deadline: Date.now() + 5_000 })).rejects.toMatchObject({
      code: TalosErrorCodes.KubeAuthFailed,
    });
  });

  it('probes a second control plane that joined the bootstrapped cluster, with the same admin kubeconfig', async () => {
    const second = await startLabTalosNode('127.10.0.42', { secrets: lab.secrets });
    try {
      await second.node.joinBootstrappedCluster();
      const server = `https://${second.node.ip}:${second.node.kubePort}`;
      await waitForKubeReadyz({ kubeconfig, server, deadline: Date.now() + 5_000 });
      const secondClient = createTalosClient({ endpoint: second.node.apiEndpoint, ...lab.admin });
      await expect(secondClient.bootstrap(Date.now() + 5_000)).resolves.toBe('already');
      expect(second.node.bootstrapCalls).toBe(0);
      secondClient.close();
    } finally {
      await second.node.close();
    }
  });
});
