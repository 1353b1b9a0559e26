import { ActivityCancelledError, ActivityNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ActivityGoneError, temporalActivityReporter, temporalWorkflowSignaller } from './temporal-port.js';

const token = new Uint8Array([1, 2, 3]);

function clientThrowing(err: unknown): Pick<Client, 'activity'> {
  const fail = async () => {
    throw err;
  };
  return { activity: { heartbeat: fail, complete: fail, fail } } as unknown as Pick<Client, 'activity'>;
}

describe('temporalActivityReporter', () => {
  it('turns Temporal\'s "activity is gone" errors into ActivityGoneError with the reason', async () => {
    const cancelled = temporalActivityReporter(clientThrowing(new ActivityCancelledError('cancelled')));
    await expect(cancelled.heartbeat(token, null)).rejects.toEqual(new ActivityGoneError('activity cancelled'));
    const missing = temporalActivityReporter(clientThrowing(new ActivityNotFoundError('not found')));
    const err = await missing.complete(token, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActivityGoneError);
    expect((err as ActivityGoneError).reason).toMatch(/no longer running/);
  });

  it('passes any other error through unchanged (the agent retries its report)', async () => {
    const down = new Error('connection refused');
    await expect(temporalActivityReporter(clientThrowing(down)).complete(token, {})).rejects.toBe(down);
  });

  it("fails the activity with the agent's typed failure, non-retryable unless the agent says otherwise", async () => {
    const sent: unknown[] = [];
    const client = {
      activity: { fail: async (_t: Uint8Array, e: unknown) => void sent.push(e) },
    } as unknown as Pick<Client, 'activity'>;
    const reporter = temporalActivityReporter(client);
    await reporter.fail(token, {
      type: 'WipeVerifyFailed',
      message: 'disk not zero',
      retryable: false,
      details: { at: 4096 },
    });
    await reporter.fail(token, { type: 'BmcUnreachable', message: 'timeout', retryable: true });
    const [first, second] = sent as ApplicationFailure[];
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect(first).toMatchObject({
      type: 'WipeVerifyFailed',
      message: 'disk not zero',
      nonRetryable: true,
      details: [{ at: 4096 }],
    });
    expect(second).toMatchObject({ type: 'BmcUnreachable', nonRetryable: false, details: [] });
  });
});

describe('temporalWorkflowSignaller', () => {
  it('signals the workflow by id', async () => {
    const sent: unknown[] = [];
    const client = {
      workflow: {
        getHandle: (id: string) => ({
          signal: async (name: string, arg: unknown) => void sent.push({ id, name, arg }),
        }),
      },
    } as unknown as Pick<Client, 'workflow'>;
    await temporalWorkflowSignaller(client).signal('wf-1', 'bootEvent', { type: 'pxe' });
    expect(sent).toEqual([{ id: 'wf-1', name: 'bootEvent', arg: { type: 'pxe' } }]);
  });
});
