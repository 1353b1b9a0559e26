/**
 * Lifecycle events (the SSE stream `GET /api/v1/events` and webhooks carry them). Pure data and
 * matching rules; the event log lives in `db/event-repository.ts`.
 */
import type { BmcProtocol } from './bmc-endpoint.js';

/** Every event type, in one list (add, never rename: clients and webhook filters name them). */
export const EVENT_TYPES = [
  /** An asset moved from one lifecycle state to another (one atomic transition). */
  'asset.state_changed',
  /** The agent found what an asset enrolled with BMC driver `detect` speaks; the asset now records it. */
  'asset.bmc_detected',
  /** A workflow run was recorded as started (pending) in the workflows index. */
  'workflow.started',
  /** A step of a workflow's runbook began running. */
  'workflow.step_started',
  /** A step of a workflow's runbook ended: completed, failed or skipped. */
  'workflow.step_finished',
  /** A workflow run ended: completed, failed or cancelled. */
  'workflow.finished',
] as const;

/** One event type. */
export type EventType = (typeof EVENT_TYPES)[number];

/** What a workflow event says about the run it belongs to. */
export interface WorkflowEventSubject {
  workflowId: string;
  /** The run's type (`discovery`, `disk-wipe`, …): named so it never reads as the event's own `type`. */
  workflowType: string;
  assetId?: string;
  clusterId?: string;
}

/** The `data` of each event type. */
export interface EventData {
  'asset.state_changed': {
    assetId: string;
    siteId: string;
    clusterId?: string;
    from: string;
    to: string;
    /** The named transition (`enterMaintenance`, `finishWipe`, …). */
    transition: string;
    /** The workflow acting on the asset after the transition, when one is. */
    workflowId?: string;
  };
  'asset.bmc_detected': {
    assetId: string;
    siteId: string;
    /** The protocol now stored as the asset's `bmc.driver`. */
    protocol: BmcProtocol;
    /** The port it answered at, now the asset's `bmc.port`. */
    port: number;
  };
  'workflow.started': WorkflowEventSubject;
  'workflow.step_started': WorkflowEventSubject & { step: string; stepIndex: number; startedAt?: string };
  'workflow.step_finished': WorkflowEventSubject & {
    step: string;
    stepIndex: number;
    status: 'completed' | 'failed' | 'skipped';
    durationMs?: number;
    failureReason?: string;
    failureMessage?: string;
  };
  'workflow.finished': WorkflowEventSubject & {
    status: 'completed' | 'failed' | 'cancelled';
    error?: { step: string; reason: string; message: string };
  };
}

/** One stored event: `id` sorts by time; `orgId` scopes every reader. */
export interface LifecycleEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  orgId: string;
  at: Date;
  data: EventData[T];
}

/** An event to record: the log assigns `id` and `at`. `key` makes a repeated emission a no-op. */
export type NewEvent = {
  [T in EventType]: { type: T; orgId: string; data: EventData[T]; key?: string };
}[EventType];

/**
 * True when `type` matches `pattern`: an exact type, `*` (everything) or a prefix wildcard
 * (`asset.*`, `workflow.step_*`).
 */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** True when any pattern matches `type` (an empty list matches nothing). */
export function typeMatchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => typeMatches(p, type));
}

/** Patterns that match no known event type (typos a filter would silently never fire on). */
export function unknownTypePatterns(patterns: readonly string[]): string[] {
  return patterns.filter((p) => !/^[a-z_.*]+$/.test(p) || !EVENT_TYPES.some((t) => typeMatches(p, t)));
}

/** The parts of a workflow run that its events are derived from (a `workflows` index row or report). */
export interface WorkflowRunShape {
  status: string;
  steps?: readonly {
    name: string;
    status: string;
    startedAt?: string;
    durationMs?: number;
    failureReason?: string;
    failureMessage?: string;
  }[];
  error?: { step: string; reason: string; message: string };
}

const FINISHED_STEP = new Set(['completed', 'failed', 'skipped']);
const FINISHED_RUN = new Set(['completed', 'failed', 'cancelled']);

/**
 * The events a progress report implies, comparing the run before (`undefined` when it was not
 * indexed) with the report: a step that left `pending` started, a step that reached
 * completed/failed/skipped finished, a run that reached completed/failed/cancelled finished.
 * Steps are compared by position (a runbook appends a repeated step, it never reorders). Each
 * event carries a `key` naming the fact within the run `runKey` (workflow id + start time, since a
 * workflow id can be reused), so a replayed report emits nothing new.
 */
export function workflowProgressEvents(
  orgId: string,
  subject: WorkflowEventSubject,
  runKey: string,
  before: WorkflowRunShape | undefined,
  after: WorkflowRunShape,
): NewEvent[] {
  const events: NewEvent[] = [];
  const base = `workflow:${runKey}`;
  const previous = before?.steps ?? [];
  for (const [stepIndex, step] of (after.steps ?? []).entries()) {
    const was = previous[stepIndex]?.name === step.name ? (previous[stepIndex]?.status ?? 'pending') : 'pending';
    const isFinished = FINISHED_STEP.has(step.status);
    if (was === 'pending' && (step.status === 'running' || (isFinished && step.status !== 'skipped'))) {
      events.push({
        type: 'workflow.step_started',
        orgId,
        key: `${base}:step:${stepIndex}:started`,
        data: { ...subject, step: step.name, stepIndex, ...(step.startedAt ? { startedAt: step.startedAt } : {}) },
      });
    }
    if (isFinished && !FINISHED_STEP.has(was)) {
      events.push({
        type: 'workflow.step_finished',
        orgId,
        key: `${base}:step:${stepIndex}:finished`,
        data: {
          ...subject,
          step: step.name,
          stepIndex,
          status: step.status as 'completed' | 'failed' | 'skipped',
          ...(step.durationMs !== undefined ? { durationMs: step.durationMs } : {}),
          ...(step.failureReason !== undefined ? { failureReason: step.failureReason } : {}),
          ...(step.failureMessage !== undefined ? { failureMessage: step.failureMessage } : {}),
        },
      });
    }
  }
  if (FINISHED_RUN.has(after.status) && !FINISHED_RUN.has(before?.status ?? 'pending')) {
    events.push({
      type: 'workflow.finished',
      orgId,
      key: `${base}:finished`,
      data: {
        ...subject,
        status: after.status as 'completed' | 'failed' | 'cancelled',
        ...(after.error
          ? { error: { step: after.error.step, reason: after.error.reason, message: after.error.message } }
          : {}),
      },
    });
  }
  return events;
}

/** What a reader asks for: type patterns and the resources an event must be about (all optional). */
export interface EventFilter {
  types?: readonly string[];
  assetId?: string;
  clusterId?: string;
  workflowId?: string;
}

/** True when `event` passes every part of `filter` that is set. */
export function eventMatches(filter: EventFilter, event: Pick<LifecycleEvent, 'type' | 'data'>): boolean {
  if (filter.types && filter.types.length > 0 && !typeMatchesAny(filter.types, event.type)) return false;
  const data = event.data as { assetId?: unknown; clusterId?: unknown; workflowId?: unknown };
  if (filter.assetId !== undefined && data.assetId !== filter.assetId) return false;
  if (filter.clusterId !== undefined && data.clusterId !== filter.clusterId) return false;
  if (filter.workflowId !== undefined && data.workflowId !== filter.workflowId) return false;
  return true;
}

/** The type of a test delivery (`POST /api/v1/webhooks/{id}/ping`): not a lifecycle event, never in the log. */
export const PING_EVENT_TYPE = 'webhook.ping';
