/**
 * The catalogue of handlers and the one entry point that runs a job: payload checked against its
 * kind's schema before the handler sees it, result checked before it leaves the agent.
 */
import { FailureTypes } from '../../shared/failure-types.js';
import { JOB_KINDS, jobPayloadSchemas, jobResultSchemas, type JobKind } from '../../shared/jobs.js';
import { bmcBootdev, bmcPower, bmcStatus } from './bmc-handlers.js';
import { bootPrepare } from './boot-handlers.js';
import { bmcBootMedia } from './media-handlers.js';
import type { JobContext, JobHandler, JobHandlers } from './job-context.js';
import { JobFailedError } from './job-failure.js';
import { sshInventory, sshWipe } from './ssh-handlers.js';
import { k8sWaitReady, talosBootstrap, talosKubeconfig, talosWaitApi } from './talos-handlers.js';

/** The production handlers, one per job kind. */
export const JOB_HANDLERS: JobHandlers = {
  'bmc.status': bmcStatus,
  'bmc.power': bmcPower,
  'bmc.bootdev': bmcBootdev,
  'bmc.boot_media': bmcBootMedia,
  'boot.prepare': bootPrepare,
  'ssh.inventory': sshInventory,
  'ssh.wipe': sshWipe,
  'talos.waitApi': talosWaitApi,
  'talos.bootstrap': talosBootstrap,
  'talos.kubeconfig': talosKubeconfig,
  'k8s.waitReady': k8sWaitReady,
};

/** True when this agent knows the kind. */
export function isJobKind(kind: string): kind is JobKind {
  return (JOB_KINDS as string[]).includes(kind);
}

function invalid(message: string, details?: unknown): JobFailedError {
  return new JobFailedError({ type: FailureTypes.InvalidJob, message, retryable: false, details });
}

/**
 * Runs one job and returns its result. Throws `JobFailedError` (InvalidJob, not retryable) for an
 * unknown kind, a payload that breaks its schema or a result that breaks its schema; anything the
 * handler throws passes through (the caller classifies it with `toJobFailure`).
 */
export async function runJob(
  kind: string,
  payload: unknown,
  ctx: JobContext,
  handlers: JobHandlers = JOB_HANDLERS,
): Promise<unknown> {
  if (!isJobKind(kind)) throw invalid(`This agent does not know the job kind "${kind}"`);
  const parsed = jobPayloadSchemas[kind].safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), problem: i.message }));
    throw invalid(
      `Invalid ${kind} payload: ${issues.map((i) => `${i.path || '(root)'} ${i.problem}`).join('; ')}`,
      issues,
    );
  }
  const handler = handlers[kind] as JobHandler<JobKind>;
  ctx.signal.throwIfAborted();
  const result = await handler(parsed.data as never, ctx);
  const checked = jobResultSchemas[kind].safeParse(result);
  if (!checked.success) throw invalid(`The ${kind} handler produced a result that breaks its schema`);
  return checked.data;
}
