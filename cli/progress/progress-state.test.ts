import { describe, expect, it } from 'vitest';
import { events, workflowSnapshot } from './progress-fixtures.js';
import {
  advance,
  applyEvent,
  applyNodes,
  applySnapshot,
  initialState,
  isFinished,
  nodeTrack,
} from './progress-state.js';

const start = () =>
  applyNodes(applySnapshot(initialState('cluster-provision-clu_1'), workflowSnapshot()), [
    { assetId: 'ast_a', label: 'lab-01 127.10.0.150 controlplane', state: 'reserved' },
  ]);

describe('the progress of a watched run', () => {
  it('takes steps, current step, start time and nodes from the snapshot', () => {
    const state = start();
    expect(state).toMatchObject({ type: 'cluster-provision', status: 'running', currentStep: 'Provision nodes' });
    expect(state.steps.map((s) => s.status)).toEqual(['completed', 'running', 'pending']);
    expect(state.startedAt).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(state.nodes).toEqual([
      { assetId: 'ast_a', label: 'lab-01 127.10.0.150 controlplane', state: 'reserved', at: 0 },
    ]);
  });

  it('moves steps and nodes forward on events, ignoring other runs and other machines', () => {
    let state = start();
    state = applyEvent(state, events.stepFinished(1, 'Provision nodes'));
    state = applyEvent(state, events.stepStarted(2, 'Bootstrap etcd'));
    state = applyEvent(state, events.stepStarted(2, 'Something else', 'other-run'));
    state = applyEvent(state, events.assetState('ast_a', 'reserved', 'provisioning'));
    state = applyEvent(state, events.assetState('ast_zz', 'available', 'wiping'));
    expect(state.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Generate Talos configs:completed',
      'Provision nodes:completed',
      'Bootstrap etcd:running',
    ]);
    expect(state.steps[1]!.durationMs).toBe(4200);
    expect(state.currentStep).toBe('Bootstrap etcd');
    expect(state.nodes).toEqual([expect.objectContaining({ state: 'provisioning', at: 1 })]);
  });

  it('never moves a step back when a snapshot read before an event arrives after it', () => {
    let state = applyEvent(start(), events.stepFinished(1, 'Provision nodes'));
    state = applySnapshot(state, workflowSnapshot());
    expect(state.steps[1]!.status).toBe('completed');
  });

  it('records a failed step with its reason and the run’s end with its error', () => {
    let state = applyEvent(start(), events.stepFinished(1, 'Provision nodes', 'failed'));
    expect(state.steps[1]!.error).toEqual({ reason: 'TalosApiTimeout', message: 'no answer on :50000' });
    expect(isFinished(state)).toBe(false);
    state = applyEvent(state, events.finished('failed'));
    expect(isFinished(state)).toBe(true);
    expect(state.error).toMatchObject({ step: 'Bootstrap etcd', reason: 'TalosApiTimeout' });
    // A late snapshot still saying running does not reopen it.
    expect(applySnapshot(state, workflowSnapshot()).status).toBe('failed');
  });

  it('places a node on its run’s track, forward only: a wipe starts and ends available', () => {
    const track = nodeTrack('disk-wipe');
    expect(track).toEqual(['available', 'wiping', 'available']);
    expect(advance(track, null, 'available')).toBe(0);
    expect(advance(track, 0, 'wiping')).toBe(1);
    expect(advance(track, 1, 'available')).toBe(2);
    expect(advance(track, 1, 'error')).toBe(1);
    expect(nodeTrack('cluster-provision')).toEqual(['reserved', 'provisioning', 'provisioned']);
    expect(nodeTrack('unknown')).toEqual([]);
  });
});
