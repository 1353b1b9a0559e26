/**
 * Handlers of the Talos and Kubernetes jobs. Each waits with the job's abort signal, so a withdrawn
 * job stops retrying at once, and reports every retry as progress.
 */
import { waitForKubeReadyz } from '../talos/kube-readyz.js';
import type { TalosError } from '../talos/talos-errors.js';
import type { JobContext, JobHandler } from './job-context.js';

function retryReporter(ctx: JobContext, what: string) {
  return (attempt: number, error: TalosError): void =>
    ctx.reportProgress(
      { phase: what, attempt, lastError: error.code },
      `${what}: attempt ${attempt} failed (${error.message})`,
    );
}

/** `talos.waitApi`: waits until the node's Talos API answers Version with the cluster's credentials. */
export const talosWaitApi: JobHandler<'talos.waitApi'> = async ({ clusterId, nodeIp }, ctx) => {
  const client = await ctx.talosFor(clusterId, nodeIp);
  const version = await client.waitForApi(Date.now() + ctx.timings.talosWaitMs, {
    signal: ctx.signal,
    onRetry: retryReporter(ctx, 'waiting for Talos API'),
  });
  ctx.reportProgress({ phase: 'up', version: version.tag }, `Talos API on ${nodeIp} is up (${version.tag})`);
  return { version: version.tag };
};

/** `talos.bootstrap`: bootstraps etcd; a node that was already bootstrapped reports `already`. */
export const talosBootstrap: JobHandler<'talos.bootstrap'> = async ({ clusterId, nodeIp }, ctx) => {
  const client = await ctx.talosFor(clusterId, nodeIp);
  const outcome = await client.bootstrap(Date.now() + ctx.timings.talosWaitMs, {
    signal: ctx.signal,
    onRetry: retryReporter(ctx, 'bootstrapping etcd'),
  });
  ctx.reportProgress({ phase: 'done', outcome }, `etcd bootstrap on ${nodeIp}: ${outcome}`);
  return { outcome };
};

/** `talos.kubeconfig`: downloads the admin kubeconfig (the API stores it encrypted). */
export const talosKubeconfig: JobHandler<'talos.kubeconfig'> = async ({ clusterId, nodeIp }, ctx) => {
  const client = await ctx.talosFor(clusterId, nodeIp);
  const kubeconfig = await client.kubeconfig();
  ctx.reportProgress({ phase: 'done' }, `admin kubeconfig fetched from ${nodeIp}`);
  return { kubeconfig };
};

/** `k8s.waitReady`: waits for `/readyz` of the endpoint with the cluster's admin credentials. */
export const k8sWaitReady: JobHandler<'k8s.waitReady'> = async ({ clusterId, endpoint }, ctx) => {
  const kubeconfig = await ctx.kubeconfigFor(clusterId);
  await waitForKubeReadyz({
    kubeconfig,
    server: endpoint,
    deadline: Date.now() + ctx.timings.kubeWaitMs,
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.reportProgress(
        { phase: 'waiting', attempt: p.attempt, status: p.status },
        `readyz: ${p.status ?? 'no answer'} ${p.message}`,
      ),
  });
  return { ready: true };
};
