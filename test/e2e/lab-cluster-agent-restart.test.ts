import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClusterRequest } from '../../tools/dev/welcome.js';
import { expectDiscovered, kubectlReadyz, startRestLabStack, until, type RestLabStack } from './lab-stack.js';

// Node IPs of this file only: each lab Talos node listens on its IP (50000, 50001, 6443).
const NODE_IPS = ['127.10.0.170', '127.10.0.171'];

// The agent dies (SIGKILL: no drain, no goodbye) while it holds a cluster's job, and comes back:
// Temporal's heartbeat timeout re-issues the job, the restarted agent (same saved credential, same
// boot port) claims it, and the cluster still becomes ready — with the production timings, via REST.
// (A crash between a node's boot plan and its PXE boot is not survived yet: the agent keeps boot
// plans in memory only; see the issue 9 report.)
describe('a cluster whose site agent is killed and restarted mid-creation', () => {
  let stack: RestLabStack;

  beforeAll(async () => {
    // The control plane's Kubernetes API takes 8 s to get ready, so the agent is surely killed
    // while it is waiting on it for the workflow's "Wait for Kubernetes" step.
    stack = await startRestLabStack('e2e-restart', {
      machines: 2,
      faults: { 'lab-01': { talos: { kubeApiReadyDelayMs: 8_000 } } },
    });
    await expectDiscovered(stack);
  }, 240_000);
  afterAll(async () => stack?.stop());

  it('still reaches completed, the interrupted job re-issued to the new agent, and kubectl works', async () => {
    const request = demoClusterRequest({
      assetIds: stack.assetIds,
      lab: { gateway: stack.lab.network.gateway, freeIps: NODE_IPS },
    });
    const created = await stack.call('POST', '/api/v1/clusters', { ...request, name: 'e2e-restart' });
    expect(created.status, created.text).toBe(202);
    const { workflowId } = created.body;
    const jobs = stack.api.container.repositories.agentJobs;
    const waitJobs = async () =>
      (await jobs.listForWorkflow(workflowId))
        .filter((j) => j.kind === 'k8s.waitReady')
        .sort((a, b) => a.attempt - b.attempt);

    const crash = async (): Promise<void> => {
      const oldPid = stack.agent.process.pid;
      await stack.agent.kill();
      expect(await stack.agent.process.exited).toBeNull(); // killed by a signal, not exited
      await stack.agent.restart();
      expect(stack.agent.process.pid).not.toBe(oldPid);
    };

    // Crash while the agent holds the "Wait for Kubernetes" job (an 8 s wait: see the fault above).
    await until('the agent holding the k8s.waitReady job', 120_000, async () =>
      (await waitJobs()).some((j) => j.state === 'claimed'),
    );
    const killedAt = new Date();
    await crash();

    const workflow = await stack.waitForWorkflow(workflowId, ['completed', 'failed'], 180_000);
    expect(workflow.error).toBeNull();
    expect(workflow.status).toBe('completed');
    const cluster = (await stack.call('GET', `/api/v1/clusters/${created.body.id}`)).body;
    expect(cluster.status).toBe('ready');

    // The job the dead agent held never completed; one claimed after the kill did.
    const waits = await waitJobs();
    const interrupted = waits.filter((j) => j.claimedAt !== undefined && j.claimedAt < killedAt);
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]!.state).not.toBe('completed');
    expect(waits.some((j) => j.state === 'completed' && j.claimedAt !== undefined && j.claimedAt > killedAt)).toBe(
      true,
    );

    expect(await kubectlReadyz(stack, created.body.id)).toBe('ok');
  }, 300_000); // our own waits time out first, with a clearer message
});
