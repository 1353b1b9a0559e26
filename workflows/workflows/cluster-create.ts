import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import { agentFor } from './agent-steps.js';
import { machineTimings, type MachineTimings } from './asset-steps.js';
import { clusterActivities, talosGeneration, wipeAssets } from './cluster-steps.js';
import { fanOut, nodeParallelism } from './node-fan-out.js';
import { provisionOs } from './provision-os.js';
import { failureMessage, failureReason, Runbook } from './runbook.js';

export interface ClusterCreateInput {
  clusterId: string;
  timings?: Partial<MachineTimings>;
  /** Nodes provisioned (and wiped) at once; default 50 (runs after the patch in node-fan-out.ts). */
  maxParallelNodes?: number;
}

export interface ClusterCreateResult {
  clusterId: string;
  endpoint: string;
  nodes: number;
}

const STEPS = [
  'Generate Talos configs',
  'Provision nodes',
  'Bootstrap etcd',
  'Wait for Kubernetes',
  'Fetch kubeconfig',
  'Mark ready',
] as const;

/**
 * Creates a Talos cluster on reserved assets: generates its PKI and machine configs, installs
 * every node in parallel (child workflows), bootstraps etcd on the first control plane, waits for
 * Kubernetes and stores the kubeconfig. On failure it compensates: wipes every node it touched,
 * releases the rest, and leaves the cluster `failed` with the step and reason.
 */
export async function clusterCreate(input: ClusterCreateInput): Promise<ClusterCreateResult> {
  const { clusterId } = input;
  const timings = machineTimings(input.timings);
  const runbook = new Runbook(STEPS);
  const agent = agentFor(timings);
  const { workflowId } = workflowInfo();
  const touched: string[] = [];
  let allNodes: string[] = [];

  try {
    const plan = await runbook.step('Generate Talos configs', () => talosGeneration.prepareCluster(clusterId));
    allNodes = plan.nodes.map((n) => n.assetId);
    const site = plan.siteId;
    const first = plan.nodes.find((n) => n.role === 'controlplane') ?? plan.nodes[0]!;

    await runbook.step('Provision nodes', async () => {
      await clusterActivities.setClusterStatus(clusterId, ['pending'], 'provisioning', 'Provision nodes');
      const fan = nodeParallelism(input.maxParallelNodes);
      // A node is touched when its run starts: one never started (a failure stopped the fan-out) is only released.
      if (!fan.bounded) touched.push(...allNodes);
      // Runs from before the patch started every node, failures or not; bounded runs stop at one.
      const outcomes = await fanOut(plan.nodes, { limit: fan.limit, failFast: fan.bounded }, (node) => {
        if (fan.bounded) touched.push(node.assetId);
        return executeChild(provisionOs, {
          workflowId: `${workflowId}-node-${node.assetId}`,
          args: [
            {
              assetId: node.assetId,
              clusterId,
              talosVersion: plan.talosVersion,
              staticIp: { ip: node.ip, prefix: node.prefix, gateway: plan.gateway },
              timings: input.timings,
            },
          ],
        });
      });
      const failed = outcomes.flatMap((o, i) =>
        o.status === 'rejected' ? [{ node: plan.nodes[i]!, error: o.reason as unknown }] : [],
      );
      if (failed.length > 0) {
        const firstFailure = failed[0]!;
        const notStarted = outcomes.filter((o) => o.status === 'not-started').length;
        throw ApplicationFailure.create({
          type: failureReason(firstFailure.error),
          message: `${failed.length} of ${plan.nodes.length} nodes failed to provision${notStarted > 0 ? ` (${notStarted} not started)` : ''}; ${firstFailure.node.assetId}: ${failureMessage(firstFailure.error)}`,
          nonRetryable: true,
        });
      }
    });

    await clusterActivities.setClusterStatus(clusterId, ['provisioning'], 'bootstrapping', 'Bootstrap etcd');
    await runbook.step('Bootstrap etcd', () =>
      agent.run(site, 'talos.bootstrap', { clusterId, nodeIp: first.ip }, { within: timings.bootTimeout }),
    );
    await runbook.step('Wait for Kubernetes', () =>
      agent.run(
        site,
        'k8s.waitReady',
        { clusterId, endpoint: plan.kubernetesEndpoint },
        { within: timings.bootTimeout },
      ),
    );
    await runbook.step('Fetch kubeconfig', () => agent.run(site, 'talos.kubeconfig', { clusterId, nodeIp: first.ip }));
    await runbook.step('Mark ready', () =>
      clusterActivities.setClusterStatus(clusterId, ['bootstrapping'], 'ready', 'Ready'),
    );
    await runbook.end('completed');
    return { clusterId, endpoint: plan.kubernetesEndpoint, nodes: plan.nodes.length };
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(async () => {
      const failure = runbook.failure ?? { step: 'unknown', reason: failureReason(err), message: failureMessage(err) };
      await clusterActivities.failCluster(clusterId, failure);
      const untouched = allNodes.filter((id) => !touched.includes(id));
      if (untouched.length > 0) {
        await runbook.step('Release untouched nodes', () => clusterActivities.releaseReservedAssets(untouched));
      }
      if (touched.length > 0) {
        await runbook
          .step('Wipe touched nodes', async () => {
            const failedWipes = await wipeAssets(touched, 'quick', input.timings, input.maxParallelNodes);
            if (failedWipes.length > 0) throw new Error(`Wipe failed on ${failedWipes.join(', ')}; they stay in error`);
          })
          .catch(() => undefined);
      }
      await runbook.end(cancelled ? 'cancelled' : 'failed');
    });
    throw err;
  }
}
