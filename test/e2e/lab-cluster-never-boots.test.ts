import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTalosInstall } from '../../lab/machine/talos-install.js';
import { demoClusterRequest } from '../../tools/dev/welcome.js';
import { expectDiscovered, startRestLabStack, type RestLabStack } from './lab-stack.js';

// Node IPs of this file only: each lab Talos node listens on its IP (50000, 50001, 6443).
const NODE_IPS = ['127.10.0.160', '127.10.0.161', '127.10.0.162'];

// A machine that powers on and hangs in POST while its cluster is being built: the cluster must
// fail at the step that waited for it, with the reason, and compensate — wipe the machines that
// got Talos, and leave the hung one in `error` saying why — rather than hang or leak a half cluster.
describe('a cluster whose worker never boots', () => {
  let stack: RestLabStack;

  beforeAll(async () => {
    // The operator's boot timeout (default 15 min), short here so the hung machine fails its step soon.
    stack = await startRestLabStack('e2e-hang', { machines: 3, env: { RACKPILOT_BOOT_TIMEOUT_SECONDS: '15' } });
    await expectDiscovered(stack);
  }, 240_000);
  afterAll(async () => stack?.stop());

  it('fails at "Provision nodes", wipes the nodes that installed Talos, and leaves the hung one in error', async () => {
    const [cpId, workerId, hungId] = stack.assetIds as [string, string, string];
    const hung = stack.lab.server(stack.lab.servers[2]!.name);
    hung.setFaults({ neverBoots: true });
    // Discovery already booted every machine once: look only at what happens from here on.
    const seenBefore = stack.lab.servers.map((s) => stack.lab.server(s.name).history.length);

    const request = demoClusterRequest({
      assetIds: stack.assetIds,
      lab: { gateway: stack.lab.network.gateway, freeIps: NODE_IPS },
    });
    const accepted = await stack.call('POST', '/api/v1/clusters', { ...request, name: 'e2e-hang' });
    expect(accepted.status, accepted.text).toBe(202);
    const { id: clusterId, workflowId } = accepted.body as { id: string; workflowId: string };

    const workflow = await stack.waitForWorkflow(workflowId, ['completed', 'failed'], 150_000);
    expect(workflow.status).toBe('failed');
    // The run's error is the step that failed it, even though the compensation's wipe failed too.
    expect(workflow.error).toMatchObject({ step: 'Provision nodes', reason: 'BootTimeout' });
    const steps = Object.fromEntries(workflow.steps.map((s: { name: string; status: string }) => [s.name, s.status]));
    expect(steps).toMatchObject({
      'Generate Talos configs': 'completed',
      'Provision nodes': 'failed',
      'Wipe touched nodes': 'failed', // the hung machine cannot be wiped either
    });
    expect(steps['Bootstrap etcd']).not.toBe('completed');

    const failed = (await stack.call('GET', `/api/v1/clusters/${clusterId}`)).body;
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatchObject({ step: 'Provision nodes' });
    expect(failed.failure.message).toContain(hungId);

    // The machines that got Talos were wiped for real and are free again.
    for (const [i, assetId] of [cpId, workerId].entries()) {
      const info = stack.lab.servers[i]!;
      const server = stack.lab.server(info.name);
      expect((await stack.call('GET', `/api/v1/assets/${assetId}`)).body).toMatchObject({
        status: 'available',
        clusterId: null,
      });
      const reports = (await stack.api.container.repositories.assets.get(assetId)).wipeReports ?? [];
      expect(reports).toHaveLength(info.disks.length);
      expect(reports.every((r) => r.verification.passed)).toBe(true);
      for (const disk of info.disks) expect(await readTalosInstall(server.diskFile(disk.name))).toBeUndefined();
      expect(server.chassis().power).toBe('off');
      // It had installed Talos and run it before the compensation wiped it (utility OS again).
      const since = server.history.slice(seenBefore[i]).map((e) => e.phase);
      expect(since).toEqual(expect.arrayContaining(['installing', 'talos', 'utility']));
      expect(since.lastIndexOf('utility')).toBeGreaterThan(since.indexOf('talos'));
    }

    // The hung machine: in error with the step and reason, powered off, never got a Talos config.
    const hungAsset = (await stack.call('GET', `/api/v1/assets/${hungId}`)).body;
    expect(hungAsset.status).toBe('error');
    // Its last word is the compensation's wipe, which could not boot it into the utility OS either.
    expect(hungAsset.lastError).toMatchObject({
      step: 'Wait for utility OS',
      reason: 'BootTimeout',
      workflowId: `${workflowId}-wipe-${hungId}`,
    });
    const since = hung.history.slice(seenBefore[2]).map((e) => e.phase);
    expect(since).toContain('hung');
    expect(since.filter((p) => p === 'pxe' || p === 'talos')).toEqual([]);
    expect(hung.chassis().power).toBe('off');
  }, 300_000); // our own waits time out first, with a clearer message
});
