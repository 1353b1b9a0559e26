/**
 * What the agent bridge needs of Temporal, and nothing more: to report on a waiting activity by
 * its task token, and to signal a workflow. The bridge is written against these two interfaces;
 * the adapters below are the only code here that knows Temporal's client and error types.
 */
import {
  ActivityCancelledError,
  ActivityNotFoundError,
  ActivityPausedError,
  ActivityResetError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { JobFailure } from '../../shared/jobs.js';

/** Reports on an activity that waits for an agent job (it was completed asynchronously). */
export interface ActivityReporter {
  heartbeat(taskToken: Uint8Array, details: unknown): Promise<void>;
  complete(taskToken: Uint8Array, result: unknown): Promise<void>;
  /** Fails the activity with the agent's typed failure (non-retryable unless it says otherwise). */
  fail(taskToken: Uint8Array, failure: JobFailure): Promise<void>;
}

/** Delivers a signal to a running workflow. */
export interface WorkflowSignaller {
  signal(workflowId: string, signal: string, arg: unknown): Promise<void>;
}

/** The activity behind a task token is gone (cancelled, timed out, paused, reset): its job is no longer wanted. */
export class ActivityGoneError extends Error {
  constructor(readonly reason: string) {
    super(`activity gone: ${reason}`);
    this.name = 'ActivityGoneError';
  }
}

/** The ActivityReporter of a Temporal client; Temporal's "activity is gone" errors become ActivityGoneError. */
export function temporalActivityReporter(client: Pick<Client, 'activity'>): ActivityReporter {
  const call = async (request: () => Promise<void>): Promise<void> => {
    try {
      await request();
    } catch (err) {
      const reason = goneReason(err);
      throw reason ? new ActivityGoneError(reason) : err;
    }
  };
  return {
    heartbeat: (token, details) => call(() => client.activity.heartbeat(token, details)),
    complete: (token, result) => call(() => client.activity.complete(token, result)),
    fail: (token, failure) =>
      call(() =>
        client.activity.fail(
          token,
          ApplicationFailure.create({
            type: failure.type,
            message: failure.message,
            nonRetryable: !failure.retryable,
            details: failure.details === undefined ? [] : [failure.details],
          }),
        ),
      ),
  };
}

/** The WorkflowSignaller of a Temporal client. */
export function temporalWorkflowSignaller(client: Pick<Client, 'workflow'>): WorkflowSignaller {
  return {
    signal: (workflowId, signal, arg) => client.workflow.getHandle(workflowId).signal(signal, arg),
  };
}

function goneReason(err: unknown): string | undefined {
  if (err instanceof ActivityCancelledError) return 'activity cancelled';
  if (err instanceof ActivityNotFoundError) return 'activity no longer running (timed out, retried or finished)';
  if (err instanceof ActivityPausedError) return 'activity paused';
  if (err instanceof ActivityResetError) return 'activity reset';
  return undefined;
}
