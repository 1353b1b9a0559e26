import type { StreamedEvent } from '../../client/event-stream.js';
import type { Workflow } from '../../client/resources.js';

/** A `GET /api/v1/workflows/{id}` answer for the progress tests. */
export function workflowSnapshot(overrides: Partial<Workflow> = {}): Workflow {
  return {
    id: 'cluster-provision-clu_1',
    type: 'cluster-provision',
    status: 'running',
    target: { assetId: null, clusterId: 'clu_1' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    durationMs: null,
    currentStep: 'Provision nodes',
    steps: [
      {
        name: 'Generate Talos configs',
        status: 'completed',
        startedAt: null,
        finishedAt: null,
        durationMs: 800,
        error: null,
      },
      { name: 'Provision nodes', status: 'running', startedAt: null, finishedAt: null, durationMs: null, error: null },
      { name: 'Bootstrap etcd', status: 'pending', startedAt: null, finishedAt: null, durationMs: null, error: null },
    ],
    progress: 33,
    error: null,
    logs: [],
    updatedAt: '2026-01-01T00:00:01.000Z',
    ...overrides,
  };
}

const subject = { workflowId: 'cluster-provision-clu_1', workflowType: 'cluster-provision', clusterId: 'clu_1' };

/** Events of the stream for the progress tests. */
export const events = {
  stepFinished: (stepIndex: number, step: string, status: 'completed' | 'failed' = 'completed'): StreamedEvent => ({
    id: `evt_${stepIndex}f`,
    type: 'workflow.step_finished',
    orgId: 'org',
    at: '2026-01-01T00:00:05.000Z',
    data: {
      ...subject,
      step,
      stepIndex,
      status,
      durationMs: 4200,
      ...(status === 'failed' ? { failureReason: 'TalosApiTimeout', failureMessage: 'no answer on :50000' } : {}),
    },
  }),
  stepStarted: (stepIndex: number, step: string, workflowId = subject.workflowId): StreamedEvent => ({
    id: `evt_${stepIndex}s`,
    type: 'workflow.step_started',
    orgId: 'org',
    at: '2026-01-01T00:00:05.000Z',
    data: { ...subject, workflowId, step, stepIndex },
  }),
  assetState: (assetId: string, from: string, to: string): StreamedEvent => ({
    id: `evt_${assetId}${to}`,
    type: 'asset.state_changed',
    orgId: 'org',
    at: '2026-01-01T00:00:05.000Z',
    data: { assetId, siteId: 'site', clusterId: 'clu_1', from, to, transition: 't' },
  }),
  finished: (status: 'completed' | 'failed'): StreamedEvent => ({
    id: 'evt_end',
    type: 'workflow.finished',
    orgId: 'org',
    at: '2026-01-01T00:00:09.000Z',
    data: {
      ...subject,
      status,
      ...(status === 'failed'
        ? { error: { step: 'Bootstrap etcd', reason: 'TalosApiTimeout', message: 'no answer' } }
        : {}),
    },
  }),
};
