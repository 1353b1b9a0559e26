import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  eventMatches,
  typeMatches,
  unknownTypePatterns,
  workflowProgressEvents,
  type WorkflowRunShape,
} from './events.js';

describe('event type patterns', () => {
  it('match exact types, prefix wildcards and *', () => {
    expect(typeMatches('asset.state_changed', 'asset.state_changed')).toBe(true);
    expect(typeMatches('asset.*', 'asset.state_changed')).toBe(true);
    expect(typeMatches('workflow.step_*', 'workflow.step_finished')).toBe(true);
    expect(typeMatches('workflow.step_*', 'workflow.finished')).toBe(false);
    expect(typeMatches('*', 'workflow.started')).toBe(true);
    expect(typeMatches('asset.*', 'workflow.started')).toBe(false);
    expect(typeMatches('asset', 'asset.state_changed')).toBe(false);
  });

  it('names patterns that match no event type, so typos are refused instead of never firing', () => {
    expect(unknownTypePatterns(['asset.*', '*', 'workflow.finished'])).toEqual([]);
    expect(unknownTypePatterns(['asset.state_change', 'clusters.*', 'asset.*.x', 'ASSET.*'])).toEqual([
      'asset.state_change',
      'clusters.*',
      'asset.*.x',
      'ASSET.*',
    ]);
    for (const type of EVENT_TYPES) expect(unknownTypePatterns([type])).toEqual([]);
  });

  it('filters events by type patterns and by the asset, cluster or workflow they are about', () => {
    const event = {
      type: 'workflow.step_finished' as const,
      data: { workflowId: 'wipe-1', assetId: 'ast_1', clusterId: 'clu_1' },
    } as Parameters<typeof eventMatches>[1];
    expect(eventMatches({}, event)).toBe(true);
    expect(eventMatches({ types: ['asset.*'] }, event)).toBe(false);
    expect(eventMatches({ types: ['asset.*', 'workflow.step_finished'] }, event)).toBe(true);
    expect(eventMatches({ assetId: 'ast_1', workflowId: 'wipe-1' }, event)).toBe(true);
    expect(eventMatches({ assetId: 'ast_2' }, event)).toBe(false);
    expect(eventMatches({ clusterId: 'clu_2' }, event)).toBe(false);
    expect(eventMatches({ workflowId: 'wipe-2' }, event)).toBe(false);
  });
});

describe('workflowProgressEvents', () => {
  const subject = { workflowId: 'wipe-ast_1-ab', workflowType: 'disk-wipe', assetId: 'ast_1' };
  const run = (status: string, steps: WorkflowRunShape['steps'], error?: WorkflowRunShape['error']) => ({
    status,
    steps,
    ...(error ? { error } : {}),
  });
  const events = (before: WorkflowRunShape | undefined, after: WorkflowRunShape) =>
    workflowProgressEvents('org_1', subject, 'wipe-ast_1-ab:1000', before, after);

  it('emits step_started when a step leaves pending and step_finished when it completes', () => {
    const pending = run('pending', []);
    const started = run('running', [
      { name: 'Claim asset', status: 'running', startedAt: '2026-01-01T00:00:00.000Z' },
      { name: 'Erase disks', status: 'pending' },
    ]);
    expect(events(pending, started)).toEqual([
      {
        type: 'workflow.step_started',
        orgId: 'org_1',
        key: 'workflow:wipe-ast_1-ab:1000:step:0:started',
        data: { ...subject, step: 'Claim asset', stepIndex: 0, startedAt: '2026-01-01T00:00:00.000Z' },
      },
    ]);
    const done = run('running', [
      { name: 'Claim asset', status: 'completed', durationMs: 40 },
      { name: 'Erase disks', status: 'pending' },
    ]);
    expect(events(started, done)).toEqual([
      {
        type: 'workflow.step_finished',
        orgId: 'org_1',
        key: 'workflow:wipe-ast_1-ab:1000:step:0:finished',
        data: { ...subject, step: 'Claim asset', stepIndex: 0, status: 'completed', durationMs: 40 },
      },
    ]);
  });

  it('emits nothing for a report that repeats the last one (a retried activity)', () => {
    const state = run('running', [{ name: 'Claim asset', status: 'running' }]);
    expect(events(state, state)).toEqual([]);
  });

  it('reports a failed step with its reason, then the failed run with its error', () => {
    const before = run('running', [{ name: 'Erase disks', status: 'running' }]);
    const error = { step: 'Erase disks', reason: 'WipeVerifyFailed', message: 'sda not zeroed' };
    const after = run(
      'failed',
      [
        {
          name: 'Erase disks',
          status: 'failed',
          durationMs: 9,
          failureReason: 'WipeVerifyFailed',
          failureMessage: 'sda not zeroed',
        },
      ],
      error,
    );
    const out = events(before, after);
    expect(out.map((e) => e.type)).toEqual(['workflow.step_finished', 'workflow.finished']);
    expect(out[0]?.data).toMatchObject({ status: 'failed', failureReason: 'WipeVerifyFailed' });
    expect(out[1]).toMatchObject({ key: 'workflow:wipe-ast_1-ab:1000:finished', data: { status: 'failed', error } });
  });

  it('emits started and finished for a step first seen completed, only finished for a skipped one', () => {
    const out = events(
      run('running', []),
      run('completed', [
        { name: 'Power off', status: 'completed' },
        { name: 'Compensate', status: 'skipped' },
      ]),
    );
    expect(out.map((e) => `${e.type}:${(e.data as { step?: string }).step ?? ''}`)).toEqual([
      'workflow.step_started:Power off',
      'workflow.step_finished:Power off',
      'workflow.step_finished:Compensate',
      'workflow.finished:',
    ]);
  });

  it('treats a repeated step name appended by the runbook as a new step', () => {
    const before = run('running', [{ name: 'Boot', status: 'failed' }]);
    const after = run('running', [
      { name: 'Boot', status: 'failed' },
      { name: 'Boot', status: 'running' },
    ]);
    expect(events(before, after)).toEqual([
      expect.objectContaining({ type: 'workflow.step_started', key: 'workflow:wipe-ast_1-ab:1000:step:1:started' }),
    ]);
  });

  it('does not finish a run twice', () => {
    const finished = run('completed', []);
    expect(events(finished, run('completed', []))).toEqual([]);
  });
});
