import type { Client } from '@temporalio/client';
import type {
  WorkflowDoc,
  WorkflowIndexRepository,
  WorkflowListFilter,
  WorkflowProgress,
  WorkflowStatus,
  WorkflowType,
} from '../../db/workflow-index-repository.js';
import { ConflictError, NotFoundError, UnavailableError } from '../../shared/errors.js';
import type { PageRequest } from '../../db/page.js';
import { withTimeout } from '../../shared/with-timeout.js';

/** What starting a workflow needs: its Temporal type, id, input, and how the index files it. */
export interface WorkflowStart {
  orgId: string;
  workflowType: string;
  indexType: WorkflowType;
  workflowId: string;
  args: unknown[];
  target: WorkflowDoc['target'];
}

const FINISHED: readonly WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

/** Starts, lists, reads and cancels workflows. Reads come from the `workflows` index only. */
export class WorkflowService {
  constructor(
    private readonly deps: {
      workflows: WorkflowIndexRepository;
      temporal: () => Promise<Client>;
      taskQueue: string;
      /** Longest wait for a live progress query (default 1 s). */
      liveQueryTimeoutMs?: number;
      /** Timings every run gets unless its input sets them (e.g. the configured boot timeout). */
      defaultTimings?: Record<string, string>;
    },
  ) {}

  /** Records the run in the index, then starts it on Temporal. */
  async start(start: WorkflowStart): Promise<void> {
    await this.deps.workflows.recordStart({
      _id: start.workflowId,
      orgId: start.orgId,
      type: start.indexType,
      target: start.target,
    });
    try {
      const client = await this.deps.temporal();
      await client.workflow.start(start.workflowType, {
        taskQueue: this.deps.taskQueue,
        workflowId: start.workflowId,
        args: this.withDefaultTimings(start.args),
      });
    } catch (err) {
      throw new UnavailableError(`Could not start workflow ${start.workflowId}: Temporal did not accept it`, {
        workflowId: start.workflowId,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Every Rackpilot workflow takes one input object with optional `timings`; defaults go under the caller's. */
  private withDefaultTimings(args: unknown[]): unknown[] {
    const defaults = this.deps.defaultTimings;
    const [input, ...rest] = args;
    if (!defaults || typeof input !== 'object' || input === null) return args;
    const own = (input as { timings?: Record<string, unknown> }).timings;
    return [{ ...input, timings: { ...defaults, ...own } }, ...rest];
  }

  /** Removes the index row of a run that could not be started. */
  async forget(workflowId: string): Promise<void> {
    await this.deps.workflows.forgetPending(workflowId);
  }

  list(orgId: string, filter: WorkflowListFilter, page: PageRequest) {
    return this.deps.workflows.list(orgId, filter, page);
  }

  async get(orgId: string, id: string): Promise<WorkflowDoc> {
    const doc = await this.deps.workflows.get(id);
    if (!doc || doc.orgId !== orgId)
      throw new NotFoundError(`Workflow ${id} not found`, { workflowId: id }, 'WORKFLOW_NOT_FOUND');
    return doc;
  }

  /**
   * The run as `get` returns it, refreshed by a live `progress` query while it is unfinished. The
   * query is bounded by `liveQueryTimeoutMs`; when Temporal or the worker does not answer in time
   * the indexed state is returned as it is (never a guessed one).
   */
  async getLive(orgId: string, id: string): Promise<WorkflowDoc> {
    const doc = await this.get(orgId, id);
    if (FINISHED.includes(doc.status)) return doc;
    const timeoutMs = this.deps.liveQueryTimeoutMs ?? 1_000;
    try {
      // The gRPC deadline ends the query (and the client's retries of it) with the wait: a query left
      // running after the timeout retried on a closed connection at shutdown, an uncaught exception
      // (found by the schemathesis run, whose workflows no worker serves).
      const deadline = Date.now() + timeoutMs;
      const live = await withTimeout(
        this.deps
          .temporal()
          .then((client) =>
            client.connection.withDeadline(deadline, () =>
              client.workflow.getHandle(id).query<WorkflowProgress>('progress'),
            ),
          ),
        timeoutMs,
        'Temporal',
      );
      // Before the run's first workflow task the query may answer nothing usable: keep the index then.
      if (!isProgress(live)) return doc;
      return {
        ...doc,
        status: FINISHED.includes(live.status) ? doc.status : live.status,
        steps: live.steps,
        progress: live.progress,
        ...(live.currentStep !== undefined ? { currentStep: live.currentStep } : {}),
        ...(live.error ? { error: live.error } : {}),
      };
    } catch {
      return doc;
    }
  }

  /** True when the organization's run is indexed as pending or running. */
  async isRunning(orgId: string, id: string): Promise<boolean> {
    const doc = await this.deps.workflows.get(id);
    return doc !== null && doc.orgId === orgId && !FINISHED.includes(doc.status);
  }

  /** Asks Temporal to cancel the run (the workflow compensates and records `cancelled`). */
  async cancel(orgId: string, id: string): Promise<WorkflowDoc> {
    const doc = await this.get(orgId, id);
    if (FINISHED.includes(doc.status))
      throw new ConflictError(
        `Workflow ${id} is already ${doc.status}`,
        { workflowId: id, status: doc.status },
        'WORKFLOW_FINISHED',
      );
    const client = await this.deps.temporal();
    try {
      await client.workflow.getHandle(id).cancel();
    } catch (err) {
      if ((err as { name?: string }).name === 'WorkflowNotFoundError')
        throw new ConflictError(`Workflow ${id} is no longer running`, { workflowId: id }, 'WORKFLOW_FINISHED');
      throw err;
    }
    return doc;
  }
}

function isProgress(value: unknown): value is WorkflowProgress {
  const v = value as Partial<WorkflowProgress> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.status === 'string' &&
    Array.isArray(v.steps) &&
    typeof v.progress === 'number'
  );
}
