import type { Collection, Db } from 'mongodb';
import { findPage, type Page, type PageRequest } from './page.js';
import { workflowProgressEvents, type WorkflowEventSubject } from '../shared/events.js';
import { EventRepository, emitSafely, type EventSink } from './event-repository.js';

/** Colony's workflow types, plus discovery and cluster deletion. */
export type WorkflowType = 'discovery' | 'os-provision' | 'disk-wipe' | 'cluster-provision' | 'cluster-delete';
export type WorkflowStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

/** One step of a workflow's runbook (tink's action status: reason + message on failure). */
export interface WorkflowListFilter {
  type?: WorkflowType | undefined;
  status?: WorkflowStatus | undefined;
  assetId?: string | undefined;
  clusterId?: string | undefined;
}

/** One step of a run as recorded in the index. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  failureReason?: string;
  failureMessage?: string;
}

/** A `workflows` document: the index of a Temporal run, kept current by the workflow itself. */
export interface WorkflowDoc {
  _id: string;
  orgId: string;
  type: WorkflowType;
  status: WorkflowStatus;
  target: { assetId?: string; clusterId?: string };
  steps: StepRecord[];
  currentStep?: string;
  progress: number;
  error?: { step: string; reason: string; message: string };
  logs: string[];
  startedAt: Date;
  finishedAt?: Date;
  durationMs?: number;
  updatedAt: Date;
}

/** What a workflow reports about itself after each step. */
export interface WorkflowProgress {
  status: WorkflowStatus;
  steps: StepRecord[];
  currentStep?: string;
  progress: number;
  error?: WorkflowDoc['error'];
  /** One log line (reports of runs started before the runbook-fewer-reports patch). */
  log?: string;
  /** The log lines of this report, oldest first. */
  logs?: string[];
}

const MAX_LOG_LINES = 200;

/** Data access for the workflows index. */
export class WorkflowIndexRepository {
  readonly collection: Collection<WorkflowDoc>;
  private readonly events: EventSink | undefined;

  /**
   * `events` receives workflow.started / step_started / step_finished / finished as the index
   * changes. It defaults to the `events` collection of `db`, so the worker records them too; `null`
   * turns events off.
   */
  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
    events?: EventSink | null,
  ) {
    this.collection = db.collection<WorkflowDoc>('workflows');
    this.events = events === null ? undefined : (events ?? new EventRepository(db, now));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ orgId: 1, type: 1, status: 1, startedAt: -1 });
    await this.collection.createIndex({ 'target.assetId': 1 });
    await this.collection.createIndex({ 'target.clusterId': 1 });
  }

  /** Records a run as pending when it is started; a second call for the same id changes nothing. */
  async recordStart(doc: Pick<WorkflowDoc, '_id' | 'orgId' | 'type' | 'target'>): Promise<void> {
    const at = this.now();
    const result = await this.collection.updateOne(
      { _id: doc._id },
      {
        $setOnInsert: { ...doc, status: 'pending', steps: [], progress: 0, logs: [], startedAt: at, updatedAt: at },
      },
      { upsert: true },
    );
    if (result.upsertedCount === 1)
      await emitSafely(this.events, {
        type: 'workflow.started',
        orgId: doc.orgId,
        key: `workflow:${doc._id}:${at.getTime()}:started`,
        data: eventSubject(doc),
      });
  }

  /**
   * Replaces the run's progress with what the workflow reports (idempotent: last write wins).
   * Returns false when the run has no row (it is not indexed, e.g. a cluster's per-node child).
   */
  async recordProgress(workflowId: string, report: WorkflowProgress): Promise<boolean> {
    const at = this.now();
    const set: Record<string, unknown> = {
      status: report.status,
      steps: report.steps,
      progress: report.progress,
      updatedAt: at,
    };
    if (report.currentStep !== undefined) set.currentStep = report.currentStep;
    if (report.error) set.error = report.error;
    const finished = report.status === 'completed' || report.status === 'failed' || report.status === 'cancelled';
    const update: Record<string, unknown> = { $set: set };
    const lines = [...(report.log ? [report.log] : []), ...(report.logs ?? [])];
    if (lines.length > 0) update.$push = { logs: { $each: lines, $slice: -MAX_LOG_LINES } };
    // The row as it was: comparing it with the report tells which steps started or finished.
    const doc = await this.collection.findOneAndUpdate({ _id: workflowId }, update, { returnDocument: 'before' });
    if (!doc) return false;
    // Stored before `workflow.finished` goes out: a webhook receiver that reads the run back sees its duration.
    if (finished && !doc.finishedAt) {
      await this.collection.updateOne(
        { _id: workflowId, finishedAt: { $exists: false } },
        { $set: { finishedAt: at, durationMs: at.getTime() - doc.startedAt.getTime() } },
      );
    }
    const runKey = `${workflowId}:${doc.startedAt.getTime()}`;
    for (const event of workflowProgressEvents(doc.orgId, eventSubject(doc), runKey, doc, report))
      await emitSafely(this.events, event);
    return true;
  }

  get(workflowId: string): Promise<WorkflowDoc | null> {
    return this.collection.findOne({ _id: workflowId });
  }

  list(orgId: string, filter: WorkflowListFilter, page: PageRequest): Promise<Page<WorkflowDoc>> {
    return findPage(
      this.collection,
      {
        orgId,
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.assetId ? { 'target.assetId': filter.assetId } : {}),
        ...(filter.clusterId ? { 'target.clusterId': filter.clusterId } : {}),
      },
      page,
    );
  }

  /** Removes the index row of a run that could not be started (still `pending`). */
  async forgetPending(workflowId: string): Promise<void> {
    await this.collection.deleteOne({ _id: workflowId, status: 'pending' });
  }
}

function eventSubject(doc: Pick<WorkflowDoc, '_id' | 'type' | 'target'>): WorkflowEventSubject {
  return {
    workflowId: doc._id,
    workflowType: doc.type,
    ...(doc.target.assetId !== undefined ? { assetId: doc.target.assetId } : {}),
    ...(doc.target.clusterId !== undefined ? { clusterId: doc.target.clusterId } : {}),
  };
}
