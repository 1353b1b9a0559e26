import { z } from 'zod';
import type { WorkflowDoc } from '../../db/workflow-index-repository.js';

const dateTime = z.iso.datetime();

export const WORKFLOW_TYPES = [
  'discovery',
  'os-provision',
  'disk-wipe',
  'cluster-provision',
  'cluster-delete',
] as const;
export const WORKFLOW_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

const stepSchema = z.strictObject({
  name: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'skipped']),
  startedAt: dateTime.nullable(),
  finishedAt: dateTime.nullable(),
  durationMs: z.number().nullable(),
  error: z.strictObject({ reason: z.string(), message: z.string() }).nullable(),
});

/** A workflow run as the API shows it, from the `workflows` index (what the workflow reported). */
export const workflowSchema = z.strictObject({
  id: z.string(),
  type: z.enum(WORKFLOW_TYPES),
  status: z.enum(WORKFLOW_STATUSES),
  target: z.strictObject({ assetId: z.string().nullable(), clusterId: z.string().nullable() }),
  startedAt: dateTime,
  finishedAt: dateTime.nullable(),
  durationMs: z.number().nullable().describe('Wall time from start to finish; null while running'),
  currentStep: z.string().nullable(),
  steps: z.array(stepSchema),
  progress: z.number().min(0).max(100).describe('Percent of steps done'),
  error: z.strictObject({ step: z.string(), reason: z.string(), message: z.string() }).nullable(),
  logs: z.array(z.string()).describe('Recent log lines, oldest first'),
  updatedAt: dateTime,
});

/** The accepted answer of an endpoint that starts or cancels a workflow. */
export const workflowAcceptedSchema = z.strictObject({ workflowId: z.string() });

export type WorkflowView = z.infer<typeof workflowSchema>;

/** Shapes an index row for the wire. */
export function presentWorkflow(doc: WorkflowDoc): WorkflowView {
  return {
    id: doc._id,
    type: doc.type,
    status: doc.status,
    target: { assetId: doc.target.assetId ?? null, clusterId: doc.target.clusterId ?? null },
    startedAt: doc.startedAt.toISOString(),
    finishedAt: doc.finishedAt ? doc.finishedAt.toISOString() : null,
    durationMs: doc.durationMs ?? null,
    currentStep: doc.currentStep ?? null,
    // `?? []`: FerretDB 1.x drops the empty arrays of recordStart's `$setOnInsert` upsert.
    steps: (doc.steps ?? []).map((s) => ({
      name: s.name,
      status: s.status,
      startedAt: s.startedAt ?? null,
      finishedAt: s.finishedAt ?? null,
      durationMs: s.durationMs ?? null,
      error:
        s.failureReason !== undefined || s.failureMessage !== undefined
          ? { reason: s.failureReason ?? '', message: s.failureMessage ?? '' }
          : null,
    })),
    progress: doc.progress,
    error: doc.error ? { step: doc.error.step, reason: doc.error.reason, message: doc.error.message } : null,
    logs: doc.logs ?? [],
    updatedAt: doc.updatedAt.toISOString(),
  };
}
