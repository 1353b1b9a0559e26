import {
  ApplicationFailure,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { StepRecord, WorkflowProgress } from '../../db/workflow-index-repository.js';
import type { WorkflowIndexActivities } from '../activities/workflow-index-activities.js';

/** Current step, steps with timings, and progress of a running workflow. */
export const progressQuery = defineQuery<WorkflowProgress>('progress');

/**
 * A report waits out a database restart (retried for up to 30 minutes, at most 10 s apart) and
 * then gives up without failing the run: the index is a view of the run, and a provision must
 * not fail, leaving its assets claimed, because the view could not be written. It used to fail
 * after 5 attempts (~5 s), which the fault matrix caught twice as a "stuck" wipe and create with
 * the database killed: the workflow failed in its bookkeeping and the index still said running.
 * The next report carries the whole picture and the lines that did not get through.
 */
const { recordProgress } = proxyLocalActivities<WorkflowIndexActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/**
 * Runs started after this patch report less: a step's "done" goes with the next report instead
 * of in one of its own, and a child run (never indexed: the index has rows only for the runs the
 * API starts) does not report at all. Each report is a local activity, which costs its workflow
 * task time even when it writes nothing. Runs from before keep their recorded reports on replay.
 */
const FEWER_REPORTS_PATCH = 'runbook-fewer-reports';

/**
 * Step bookkeeping for a workflow that reads like a runbook (STYLE.md §4): the planned steps are
 * declared up front, each `step(name, fn)` records start/finish/failure with timings, answers
 * the `progress` query and reports to the workflows index.
 */
export class Runbook {
  private readonly steps: StepRecord[];
  private status: WorkflowProgress['status'] = 'running';
  private error: WorkflowProgress['error'];
  /** Reports only what changes the picture: a finished step waits for the next report. */
  private readonly deferDone: boolean;
  private readonly silent: boolean;
  private readonly pendingLogs: string[] = [];

  constructor(plannedSteps: readonly string[]) {
    this.steps = plannedSteps.map((name) => ({ name, status: 'pending' }));
    setHandler(progressQuery, () => this.snapshot());
    this.deferDone = patched(FEWER_REPORTS_PATCH);
    this.silent = this.deferDone && workflowInfo().parent !== undefined;
  }

  /** Runs one step of the runbook. A failure is recorded with its reason and rethrown. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const record = this.record(name);
    record.status = 'running';
    record.startedAt = new Date().toISOString();
    await this.report(`${name}: started`);
    try {
      const result = await fn();
      this.finish(record, 'completed');
      if (this.deferDone) this.pendingLogs.push(`${name}: done`);
      else await this.report(`${name}: done`);
      return result;
    } catch (err) {
      this.finish(record, 'failed');
      record.failureReason = failureReason(err);
      record.failureMessage = failureMessage(err);
      // The first failure is the run's error: a compensation step failing later must not hide it.
      this.error ??= { step: name, reason: record.failureReason, message: record.failureMessage };
      await this.report(`${name}: failed (${record.failureReason}) ${record.failureMessage}`);
      throw err;
    }
  }

  /** Renames a pending planned step: on this run it is done another way, in the same place. */
  rename(planned: string, actual: string): void {
    const record = this.steps.find((s) => s.name === planned && s.status === 'pending');
    if (record) record.name = actual;
  }

  /** Marks a planned step as not needed on this run (e.g. no nodes to compensate). */
  async skip(name: string): Promise<void> {
    this.record(name).status = 'skipped';
  }

  /** Records the final status of the whole run. */
  async end(status: 'completed' | 'failed' | 'cancelled'): Promise<void> {
    this.status = status;
    await this.report(`workflow ${status}`);
  }

  /** The step that failed and why, when one did. */
  get failure(): WorkflowProgress['error'] {
    return this.error;
  }

  snapshot(): WorkflowProgress {
    const done = this.steps.filter((s) => s.status === 'completed' || s.status === 'skipped').length;
    const running = this.steps.find((s) => s.status === 'running' || s.status === 'failed');
    return {
      status: this.status,
      steps: this.steps.map((s) => ({ ...s })),
      currentStep: running?.name,
      progress: this.steps.length === 0 ? 100 : Math.round((done / this.steps.length) * 100),
      error: this.error,
    };
  }

  private record(name: string): StepRecord {
    let record = this.steps.find((s) => s.name === name && (s.status === 'pending' || s.status === 'running'));
    if (!record) {
      record = { name, status: 'pending' };
      this.steps.push(record);
    }
    return record;
  }

  private finish(record: StepRecord, status: 'completed' | 'failed'): void {
    record.status = status;
    record.finishedAt = new Date().toISOString();
    record.durationMs = Date.parse(record.finishedAt) - Date.parse(record.startedAt ?? record.finishedAt);
  }

  private async report(line: string): Promise<void> {
    const logs = [...this.pendingLogs.splice(0), line];
    if (this.silent) return;
    const { workflowId } = workflowInfo();
    try {
      if (!this.deferDone) await recordProgress(workflowId, { ...this.snapshot(), log: line });
      else await recordProgress(workflowId, { ...this.snapshot(), logs });
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (this.deferDone) this.pendingLogs.unshift(...logs);
      log.warn('progress report not recorded; the next report carries the whole picture', {
        workflowId,
        error: failureMessage(err),
      });
    }
  }
}

/** The stable CamelCase reason of a failure (its Temporal failure type when it has one). */
export function failureReason(err: unknown): string {
  if (isCancellation(err)) return 'Cancelled';
  let current: unknown = err;
  while (current && typeof current === 'object') {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && type) return type;
    current = (current as { cause?: unknown }).cause;
  }
  return 'Error';
}

/** The innermost human message of a failure chain (activity failures wrap the real cause). */
export function failureMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  let current: unknown = err;
  while (current && typeof current === 'object' && (current as { cause?: unknown }).cause) {
    current = (current as { cause?: unknown }).cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}
