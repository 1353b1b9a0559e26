import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { demoClusterRequest } from '../../tools/dev/welcome.js';
import { CliHome, type CliResult } from '../integration/cli/run-cli.js';
import { expectDiscovered, startRestLabStack, type RestLabStack } from './lab-stack.js';

// The node IP of this file only: the lab's Talos node listens on it (50000, 50001, 6443).
const NODE_IP = '127.10.0.190';

/** Fails with the command's whole output unless it exited `code`. */
function expectExit(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

// Issue 16's CLI acceptance on the simulated lab: the real `rackpilot` binary, with an operator
// key in the environment, creates a one-node Talos cluster from a file and waits for it showing
// line-per-step progress (stdout is a pipe, not a TTY), downloads the kubeconfig that Debian's
// kubectl then uses against the node's Kubernetes endpoint, and deletes the cluster.
describe('rackpilot clusters create → kubeconfig → kubectl → delete, on the simulated lab', () => {
  let stack: RestLabStack;
  let home: CliHome;
  let env: Record<string, string>;
  let clusterId: string;

  beforeAll(async () => {
    stack = await startRestLabStack('e2e-cli', { machines: 1 });
    home = await CliHome.create('e2e');
    const key = await stack.call('POST', '/api/v1/api-keys', { name: 'cli-e2e', role: 'operator' });
    expect(key.status, key.text).toBe(201);
    env = { RACKPILOT_API_URL: stack.api.url, RACKPILOT_API_KEY: key.body.key };
    await expectDiscovered(stack);
  });
  afterAll(async () => {
    await home?.remove();
    await stack?.stop();
  });

  it('creates the cluster from cluster.yaml and waits, one line per step and per node state, until it is ready', async () => {
    const file = join(home.dir, 'cluster.yaml');
    const body = demoClusterRequest({
      assetIds: stack.assetIds,
      lab: { gateway: stack.lab.network.gateway, freeIps: [NODE_IP] },
    });
    await writeFile(file, stringify({ ...body, name: 'cli-e2e' }));

    const dryRun = await home.run(['clusters', 'create', '-f', file, '--dry-run', '-o', 'json'], { env });
    expectExit(dryRun, 0);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ dryRun: true, valid: true, problems: [] });

    const created = await home.run(['clusters', 'create', '-f', file], { env, timeoutMs: 240_000 });
    expectExit(created, 0);
    const lines = created.stdout.split('\n');
    const progress = lines.filter((l) => /^\[\d\d:\d\d\] /.test(l)).map((l) => l.slice(8));
    expect(progress[0]).toMatch(/^cluster-provision cluster-create-clu_[0-9a-f]{16}$/);
    for (const step of [
      'Generate Talos configs',
      'Provision nodes',
      'Bootstrap etcd',
      'Wait for Kubernetes',
      'Fetch kubeconfig',
    ]) {
      expect(progress).toContainEqual(expect.stringMatching(new RegExp(`^${step}: done \\(`)));
    }
    expect(progress).toContain(`  node lab-01 ${NODE_IP} controlplane: provisioned`);
    expect(progress.at(-1)).toMatch(/^cluster-provision completed in /);
    // Each fact is said once.
    expect(new Set(progress).size).toBe(progress.length);
    // After the progress: the ready cluster.
    clusterId = /^ID:\s+(clu_[0-9a-f]{16})$/m.exec(created.stdout)?.[1] ?? '';
    expect(clusterId).not.toBe('');
    expect(created.stdout).toMatch(/^Status:\s+ready$/m);
    expect((await stack.call('GET', `/api/v1/clusters/${clusterId}`)).body.status).toBe('ready');
  }, 300_000);

  it('downloads the kubeconfig to a 0600 file, with which kubectl reaches the cluster’s /readyz', async () => {
    expect(clusterId).toBeTruthy();
    const file = join(home.dir, 'kubeconfig');
    const res = await home.run(['clusters', 'kubeconfig', clusterId, '-o', file], { env });
    expectExit(res, 0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Asynchronously: the lab's Kubernetes endpoint is served by this very process.
    const readyz = await promisify(execFile)('kubectl', ['--kubeconfig', file, 'get', '--raw', '/readyz'], {
      timeout: 30_000,
    });
    expect(readyz.stdout.trim()).toBe('ok');
  });

  it('deletes the cluster and waits until every node is wiped and available again', async () => {
    expect(clusterId).toBeTruthy();
    const res = await home.run(['clusters', 'delete', clusterId], { env, timeoutMs: 240_000 });
    expectExit(res, 0);
    expect(res.stdout).toMatch(/^\[\d\d:\d\d\] cluster-delete completed in /m);
    expect(res.stdout).toMatch(/^Status:\s+deleted$/m);
    const asset = (await stack.call('GET', `/api/v1/assets/${stack.assetIds[0]}`)).body;
    expect(asset).toMatchObject({ status: 'available', clusterId: null });

    const gone = await home.run(['clusters', 'kubeconfig', clusterId], { env });
    expectExit(gone, 3);
    expect(gone.stderr).toMatch(/^code: CLUSTER_NOT_READY$/m);
  }, 300_000);
});
