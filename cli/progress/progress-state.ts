/**
 * What a watched workflow looks like to the person waiting on it: its steps, its nodes' asset
 * states, whether it is done. Pure: built from `GET /api/v1/workflows/{id}` snapshots and the SSE
 * events, never lowering what either said (a late snapshot cannot move a finished step back).
 */
import type { StreamedEvent } from '../../client/event-stream.js';
import type { Workflow } from '../../client/resources.js';

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepProgress {
  name: string;
  status: StepStatus;
  durationMs: number | null;
  error: { reason: string; message: string } | null;
}

/** One machine the workflow acts on (a cluster's node, or the asset itself). */
export interface NodeProgress {
  assetId: string;
  /** What a person calls it: hostname, IP and role where known. */
  label: string;
  /** The asset's state; null when unknown. */
  state: string | null;
  /** Where that state is on the run's node track (`nodeTrack`); null when it is not on it. */
  at: number | null;
}

export interface ProgressState {
  workflowId: string;
  type: string;
  status: RunStatus;
  steps: StepProgress[];
  currentStep: string | null;
  nodes: NodeProgress[];
  /** Epoch ms the run started (from the API). */
  startedAt: number | null;
  durationMs: number | null;
  error: { step: string; reason: string; message: string } | null;
}

const STEP_RANK: Record<StepStatus, number> = { pending: 0, running: 1, completed: 2, failed: 2, skipped: 2 };
const FINISHED_RUNS: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** True once the run ended (completed, failed or cancelled). */
export function isFinished(state: Pick<ProgressState, 'status'>): boolean {
  return FINISHED_RUNS.includes(state.status);
}

/** The state before anything is known of the run. */
export function initialState(workflowId: string): ProgressState {
  return {
    workflowId,
    type: '',
    status: 'pending',
    steps: [],
    currentStep: null,
    nodes: [],
    startedAt: null,
    durationMs: null,
    error: null,
  };
}

/** Merges a snapshot of the run: steps by position, each keeping the furthest status either side knew. */
export function applySnapshot(state: ProgressState, w: Workflow): ProgressState {
  const steps = w.steps.map((s, i) => {
    const known = state.steps[i];
    const fresh: StepProgress = { name: s.name, status: s.status, durationMs: s.durationMs, error: s.error };
    return known && known.name === s.name && STEP_RANK[known.status] > STEP_RANK[s.status] ? known : fresh;
  });
  // Steps the events announced beyond the snapshot's list (compensation appended while it was read).
  for (const extra of state.steps.slice(steps.length)) steps.push(extra);
  const finished = isFinished(state) && !FINISHED_RUNS.includes(w.status);
  return {
    ...state,
    type: w.type,
    status: finished ? state.status : w.status,
    steps,
    currentStep: w.currentStep,
    startedAt: Date.parse(w.startedAt),
    durationMs: w.durationMs ?? state.durationMs,
    error: w.error ?? state.error,
  };
}

/** Sets the nodes' states (from the cluster or asset), each moving forward on the run's track. */
export function applyNodes(
  state: ProgressState,
  nodes: { assetId: string; label: string; state: string | null }[],
): ProgressState {
  const track = nodeTrack(state.type);
  return {
    ...state,
    nodes: nodes.map((n) => {
      const known = state.nodes.find((k) => k.assetId === n.assetId);
      const nodeState = n.state ?? known?.state ?? null;
      return { ...n, state: nodeState, at: advance(track, known?.at ?? null, nodeState) };
    }),
  };
}

/** Applies one event of the stream; events about other runs or other machines change nothing. */
export function applyEvent(state: ProgressState, event: StreamedEvent): ProgressState {
  switch (event.type) {
    case 'asset.state_changed': {
      if (!state.nodes.some((n) => n.assetId === event.data.assetId)) return state;
      const track = nodeTrack(state.type);
      const nodes = state.nodes.map((n) =>
        n.assetId === event.data.assetId ? { ...n, state: event.data.to, at: advance(track, n.at, event.data.to) } : n,
      );
      return { ...state, nodes };
    }
    case 'workflow.step_started':
    case 'workflow.step_finished': {
      if (event.data.workflowId !== state.workflowId) return state;
      const status: StepStatus = event.type === 'workflow.step_started' ? 'running' : event.data.status;
      const steps = [...state.steps];
      while (steps.length < event.data.stepIndex)
        steps.push({ name: '…', status: 'pending', durationMs: null, error: null });
      const known = steps[event.data.stepIndex];
      if (known && known.name === event.data.step && STEP_RANK[known.status] >= STEP_RANK[status]) return state;
      const finished = event.type === 'workflow.step_finished' ? event.data : undefined;
      steps[event.data.stepIndex] = {
        name: event.data.step,
        status,
        durationMs: finished?.durationMs ?? null,
        error:
          finished && (finished.failureReason || finished.failureMessage)
            ? { reason: finished.failureReason ?? '', message: finished.failureMessage ?? '' }
            : null,
      };
      const currentStep = status === 'running' ? event.data.step : state.currentStep;
      return { ...state, steps, currentStep, status: state.status === 'pending' ? 'running' : state.status };
    }
    case 'workflow.finished':
      if (event.data.workflowId !== state.workflowId) return state;
      return { ...state, status: event.data.status, error: event.data.error ?? state.error };
    default:
      return state;
  }
}

/**
 * The asset states a machine passes through in a run of `type`, in order: a node's bar is where
 * its state is on this track. Empty for types with no such track.
 */
export function nodeTrack(type: string): readonly string[] {
  switch (type) {
    case 'cluster-provision':
      return ['reserved', 'provisioning', 'provisioned'];
    case 'os-provision':
      return ['available', 'reserved', 'provisioning', 'provisioned'];
    case 'cluster-delete':
      return ['provisioned', 'wiping', 'available'];
    case 'disk-wipe':
      return ['available', 'wiping', 'available'];
    case 'discovery':
      return ['enrolling', 'discovering', 'available'];
    default:
      return [];
  }
}

/**
 * The position of `nodeState` on `track` at or after `at` (a state can appear twice: a wipe starts
 * and ends `available`); `at` when the state is not ahead on the track (`error`, or unknown).
 */
export function advance(track: readonly string[], at: number | null, nodeState: string | null): number | null {
  if (nodeState === null) return at;
  for (let i = at ?? 0; i < track.length; i++) if (track[i] === nodeState) return i;
  return at;
}
