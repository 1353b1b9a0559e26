/**
 * One run of the fault matrix: start an operation (a cluster create, a cluster delete, a wipe) over
 * REST, SIGKILL one process at a chosen point, start it again, and watch the workflow until it
 * ends or stops making progress; then judge what it left behind.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ChaosStack } from './stack.js';
import type { ProcessName } from './processes.js';

/** The operations the matrix faults. */
export const OP_NAMES = ['create', 'wipe', 'delete'] as const;
export type OpName = (typeof OP_NAMES)[number];

/** Asset states in which a workflow still holds the asset: left there after a run's end, the run leaked it. */
const TRANSIENT_STATES = ['enrolling', 'discovering', 'reserved', 'provisioning', 'wiping'];

/** When to kill what: `afterMs` after the operation's request, down for `downMs`. */
export interface Fault {
  process: ProcessName;
  afterMs: number;
  downMs: number;
}

/** How one run ended. */
export type Outcome = 'ok' | 'clean-failed' | 'dirty-failed' | 'stuck' | 'not-started';

/** What one run did and left. */
export interface RunResult {
  op: OpName;
  fault?: Fault;
  outcome: Outcome;
  /** Request → the workflow's end (or the stall verdict). */
  durationMs: number;
  workflowId?: string;
  clusterId?: string;
  assetIds: string[];
  /** `assetId=state` for every asset still in a state a workflow holds. */
  nonFinal: string[];
  /** What of the run's secrets could not be read back (kubeconfig, BMC credentials). */
  secretsLost: string[];
  /** The killed process was started again after the workflow had already ended. */
  killedAfterEnd: boolean;
  /** Workflow error or the reason of the verdict. */
  detail: string;
}

/** How long a run may go without any visible change before it is called stuck. */
export interface WatchOptions {
  stallMs: number;
  say: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `op` over REST; returns its workflow (and cluster) id, or why it was refused. */
async function startOp(
  stack: ChaosStack,
  op: OpName,
  subject: { assetIds: string[]; clusterId?: string; ips?: string[]; name?: string },
): Promise<{ workflowId: string; clusterId?: string } | { refused: string }> {
  if (op === 'create') {
    const [cp, ...workers] = subject.assetIds;
    const node = (assetId: string | undefined, i: number) => ({ assetId, ip: subject.ips![i], subnet: '24' });
    const res = await stack.call('POST', '/api/v1/clusters', {
      name: subject.name,
      type: 'talos',
      flavor: 'talos',
      gateway: stack.lab.network.gateway,
      controlPlanes: [node(cp, 0)],
      workers: workers.map((id, i) => node(id, i + 1)),
    });
    if (res?.status !== 202) return { refused: `create: ${res?.status} ${res?.text}` };
    return { workflowId: res.body.workflowId, clusterId: res.body.id };
  }
  if (op === 'delete') {
    const res = await stack.call('DELETE', `/api/v1/clusters/${subject.clusterId}`);
    if (res?.status !== 202) return { refused: `delete: ${res?.status} ${res?.text}` };
    return { workflowId: res.body.workflowId, clusterId: subject.clusterId };
  }
  const res = await stack.call('POST', `/api/v1/assets/${subject.assetIds[0]}/wipe`, { mode: 'quick' });
  if (res?.status !== 202) return { refused: `wipe: ${res?.status} ${res?.text}` };
  return { workflowId: res.body.workflowId };
}

/** Reads the states of `assetIds` (undefined for one the API did not answer). */
/** How many jobs the site's agent reported done so far (its log's `job completed` lines). */
async function jobsCompleted(stack: ChaosStack): Promise<number> {
  const log = await readFile(join(stack.dir, 'agent.log'), 'utf8').catch(() => '');
  return log.split('"job completed"').length - 1;
}

export async function assetStates(stack: ChaosStack, assetIds: string[]): Promise<(string | undefined)[]> {
  return Promise.all(
    assetIds.map(async (id) => {
      const res = await stack.call('GET', `/api/v1/assets/${id}`);
      return res?.status === 200 ? (res.body.status as string) : undefined;
    }),
  );
}

/**
 * Runs `op` on `subject` with `fault` (none: an unfaulted run; several: one after the other) and
 * judges it. A fault's process is killed `afterMs` after the request (or once the fault before it
 * is over) even when the workflow has ended by then, and the verdict waits until it is up again,
 * so every run leaves the stack whole.
 */
export async function runOp(
  stack: ChaosStack,
  op: OpName,
  subject: { assetIds: string[]; clusterId?: string; ips?: string[]; name?: string },
  fault: Fault | Fault[] | undefined,
  watch: WatchOptions,
): Promise<RunResult> {
  const began = Date.now();
  const started = await startOp(stack, op, subject);
  const base = {
    op,
    fault: Array.isArray(fault) ? fault[0] : fault,
    assetIds: subject.assetIds,
    nonFinal: [],
    secretsLost: [],
    killedAfterEnd: false,
  };
  if ('refused' in started) return { ...base, outcome: 'not-started', durationMs: 0, detail: started.refused };
  let ended: number | undefined;
  const faults = (Array.isArray(fault) ? fault : fault ? [fault] : []).sort((a, b) => a.afterMs - b.afterMs);
  let lastKillAt: number | undefined;
  const faultDone = (async () => {
    for (const f of faults) {
      const proc = stack.processes[f.process];
      if (!proc) throw new Error(`no killable ${f.process} in this stack`);
      await sleep(began + f.afterMs - Date.now());
      const pid = proc.pid;
      await proc.kill();
      lastKillAt = Date.now();
      watch.say(`    SIGKILL ${f.process} (pid ${pid}) at ${((Date.now() - began) / 1000).toFixed(1)} s`);
      await sleep(f.downMs);
      await proc.start();
      watch.say(`    ${f.process} up again (pid ${proc.pid}) at ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
  })();
  let faultFinished = false;
  const finished = () => (faultFinished = true);
  void faultDone.then(finished, finished);

  let signature = '';
  let lastChange = Date.now();
  let last: Record<string, unknown> | undefined;
  let stuck = false;
  for (;;) {
    const wf = await stack.call('GET', `/api/v1/workflows/${started.workflowId}`);
    const states = await assetStates(stack, subject.assetIds);
    if (wf?.status === 200) last = wf.body;
    const now = JSON.stringify({
      // Jobs the agent finished: a slow run (a lossy BMC network) moves inside its node workflows
      // long before the parent's step or an asset's state changes.
      j: await jobsCompleted(stack),
      s: last?.status,
      c: last?.currentStep,
      p: last?.progress,
      steps: (last?.steps as { status: string }[] | undefined)?.map((s) => s.status),
      a: states,
    });
    if (now !== signature && wf !== undefined && states.every((s) => s !== undefined)) {
      signature = now;
      lastChange = Date.now();
    }
    const terminal = ['completed', 'failed', 'cancelled'].includes(String(last?.status));
    if (terminal && ended === undefined) ended = Date.now();
    if (terminal && faultFinished) break;
    if (faultFinished && Date.now() - lastChange > watch.stallMs) {
      stuck = true;
      break;
    }
    await sleep(1_000);
  }
  await faultDone;
  const durationMs = (ended ?? Date.now()) - began;
  const killedAfterEnd = lastKillAt !== undefined && ended !== undefined && ended < lastKillAt;

  const states = await assetStates(stack, subject.assetIds);
  const nonFinal = subject.assetIds.flatMap((id, i) =>
    TRANSIENT_STATES.includes(states[i] ?? '') || states[i] === undefined ? [`${id}=${states[i]}`] : [],
  );
  const error = last?.error as { step?: string; reason?: string; message?: string } | null | undefined;
  const detail = stuck
    ? `no progress for ${watch.stallMs / 1000} s at step ${String(last?.currentStep)} (status ${String(last?.status)})`
    : error
      ? `${error.step}: ${error.reason} ${error.message ?? ''}`.slice(0, 300)
      : String(last?.status);
  const result: RunResult = {
    ...base,
    workflowId: started.workflowId,
    clusterId: started.clusterId,
    durationMs,
    nonFinal,
    killedAfterEnd,
    detail,
    outcome: stuck ? 'stuck' : 'clean-failed',
  };
  if (stuck) return result;
  if (last?.status === 'completed') {
    result.outcome = nonFinal.length === 0 ? 'ok' : 'dirty-failed';
    if (op === 'create') {
      const cluster = await stack.call('GET', `/api/v1/clusters/${started.clusterId}`);
      if (cluster?.body?.status !== 'ready') {
        result.outcome = 'dirty-failed';
        result.detail = `workflow completed, cluster ${String(cluster?.body?.status)}`;
      }
      const lost = await kubeconfigProblem(stack, started.clusterId!);
      if (lost) result.secretsLost.push(lost);
    }
  } else {
    // Failed or cancelled: compensated when nothing is held, and no node of a failed create kept its OS.
    const uncompensated = op === 'create' && states.some((s) => s === 'provisioned');
    result.outcome = nonFinal.length === 0 && !uncompensated ? 'clean-failed' : 'dirty-failed';
  }
  return result;
}

/** Returns why the cluster's kubeconfig cannot be downloaded and read, or undefined when it can. */
export async function kubeconfigProblem(stack: ChaosStack, clusterId: string): Promise<string | undefined> {
  const res = await stack.call('GET', `/api/v1/clusters/${clusterId}/kubeconfig`);
  if (res?.status !== 200) return `kubeconfig: ${res?.status} ${res?.text.slice(0, 200)}`;
  try {
    const doc = parseYaml(res.text) as {
      clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
      users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
    };
    const cluster = doc.clusters?.[0]?.cluster;
    const user = doc.users?.[0]?.user;
    if (!cluster?.server || !cluster['certificate-authority-data'] || !user?.['client-key-data'])
      return 'kubeconfig: incomplete';
    return undefined;
  } catch (err) {
    return `kubeconfig: unparseable (${String(err)})`;
  }
}
