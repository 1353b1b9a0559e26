import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigProblem, runOp } from '../../bench/chaos/scenario.js';
import { startChaosStack, type ChaosStack } from '../../bench/chaos/stack.js';
import { mongoUri, temporalAddress } from '../support/services.js';

// The fixed subset of the fault matrix (`npm run chaos`, bench/README.md "Fault matrix"): the API
// and the worker run as their own processes (production entry points) on the test run's Temporal
// and database; one 1-node cluster create survives a SIGKILL of the worker, then one of the API.
describe('the fault matrix subset: a 1-node cluster create with the worker, then the API, killed', () => {
  let stack: ChaosStack;
  const lines: string[] = [];

  beforeAll(async () => {
    stack = await startChaosStack({
      machines: 1,
      services: { mongoUri: mongoUri(), temporalAddress: temporalAddress() },
      // Logs stay at info: the worker counts as started once it logged "worker polling".
      env: { RACKPILOT_BOOT_TIMEOUT_SECONDS: '60' },
      say: (line) => lines.push(line),
    });
  }, 120_000);
  afterAll(async () => stack?.stop());

  it('ends ready, with nothing stuck or left held, and its kubeconfig and BMC credentials still readable', async () => {
    const created = await runOp(
      stack,
      'create',
      { assetIds: stack.assetIds, ips: ['127.10.0.175'], name: 'chaos-subset' },
      [
        // 0.5 s: the cluster run has started and the node's first jobs are queued or running.
        { process: 'worker', afterMs: 500, downMs: 1_000 },
        // Right after the worker is back (it takes seconds to start): the node is mid-provisioning.
        { process: 'api', afterMs: 1_500, downMs: 1_000 },
      ],
      { stallMs: 60_000, say: (line) => lines.push(line) },
    );
    expect(created.outcome, `${created.detail}\n${lines.join('\n')}`).toBe('ok');
    expect(created.killedAfterEnd, lines.join('\n')).toBe(false); // both kills fell inside the run
    expect(created.nonFinal).toEqual([]);
    expect(await kubeconfigProblem(stack, created.clusterId!)).toBeUndefined();
    expect(lines.filter((l) => l.includes('SIGKILL'))).toHaveLength(2);
    expect(stack.processes.api?.selfExits).toBe(0);
    expect(stack.processes.worker?.selfExits).toBe(0);

    // The BMC credentials sealed at enrolment still work after both restarts: deleting the cluster
    // wipes its node through its BMC.
    const deleted = await runOp(
      stack,
      'delete',
      { assetIds: stack.assetIds, clusterId: created.clusterId },
      undefined,
      {
        stallMs: 60_000,
        say: (line) => lines.push(line),
      },
    );
    expect(deleted.outcome, deleted.detail).toBe('ok');
  }, 150_000);
});
