import { describe, expect, it } from 'vitest';
import { events, workflowSnapshot } from './progress-fixtures.js';
import { applyEvent, applyNodes, applySnapshot, initialState } from './progress-state.js';
import { bar, renderFrame } from './render-frame.js';
import { clock, LineLog } from './render-lines.js';

const nodes = [
  { assetId: 'ast_a', label: 'lab-01 127.10.0.150 controlplane', state: 'reserved' },
  { assetId: 'ast_b', label: 'lab-02 127.10.0.151 worker', state: 'provisioning' },
];
const start = () => applyNodes(applySnapshot(initialState('cluster-provision-clu_1'), workflowSnapshot()), nodes);

describe('the line-per-step progress (not a TTY)', () => {
  it('says each fact once, with the elapsed time, and ends with how the run ended', () => {
    const log = new LineLog();
    let state = start();
    expect(log.next(state, 1_000)).toEqual([
      '[00:01] cluster-provision cluster-provision-clu_1',
      '[00:01] Generate Talos configs: done (800ms)',
      '[00:01] Provision nodes …',
      '[00:01]   node lab-01 127.10.0.150 controlplane: reserved',
      '[00:01]   node lab-02 127.10.0.151 worker: provisioning',
    ]);
    expect(log.next(state, 2_000)).toEqual([]);
    state = applyEvent(state, events.assetState('ast_a', 'reserved', 'provisioning'));
    state = applyEvent(state, events.stepFinished(1, 'Provision nodes'));
    expect(log.next(state, 65_000)).toEqual([
      '[01:05] Provision nodes: done (4.2s)',
      '[01:05]   node lab-01 127.10.0.150 controlplane: provisioning',
    ]);
    state = applyEvent(state, events.finished('failed'));
    expect(log.next(state, 69_000)).toEqual([]);
    expect(log.next({ ...state, durationMs: 70_000 }, 70_000, true)).toEqual([
      '[01:10] cluster-provision failed in 1m10s at "Bootstrap etcd": TalosApiTimeout: no answer',
    ]);
  });

  it('writes hours when a run takes that long', () => {
    expect(clock(3_725_000)).toBe('1:02:05');
    expect(clock(-5)).toBe('00:00');
  });
});

describe('the live progress (a TTY)', () => {
  it('shows the run with elapsed time, a mark per step, the spinner on the running one, a bar per node', () => {
    const frame = renderFrame(start(), 83_000, '⠋');
    expect(frame.split('\n')).toEqual([
      '⠋ cluster-provision cluster-provision-clu_1  Provision nodes  01:23',
      '  ✔ Generate Talos configs  800ms',
      '  ⠋ Provision nodes',
      '  · Bootstrap etcd',
      '  nodes',
      `    lab-01 127.10.0.150 controlplane  ${'░'.repeat(12)}  reserved`,
      `    lab-02 127.10.0.151 worker        ${'█'.repeat(6)}${'░'.repeat(6)}  provisioning`,
    ]);
  });

  it('ends with the summary line and a failed step’s reason', () => {
    let state = applyEvent(start(), events.stepFinished(1, 'Provision nodes', 'failed'));
    state = applyEvent(state, events.finished('failed'));
    const lines = renderFrame(state, 10_000, '⠋').split('\n');
    expect(lines[0]).toBe('cluster-provision failed at "Bootstrap etcd": TalosApiTimeout: no answer');
    expect(lines[2]).toBe('  ✖ Provision nodes  4.2s  TalosApiTimeout: no answer on :50000');
  });

  it('fills a bar by the node’s place on its track', () => {
    expect(bar(0, 3, 4)).toBe('░░░░');
    expect(bar(1, 3, 4)).toBe('██░░');
    expect(bar(2, 3, 4)).toBe('████');
    expect(bar(null, 3, 4)).toBe('░░░░');
  });
});
