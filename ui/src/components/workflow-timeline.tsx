/**
 * A workflow run's steps as a timeline, kept current by the live event stream: every event of
 * this run reloads it (coalesced), so what is shown is always the API's own record.
 */
import { unwrap, type Workflow } from '../lib/api.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useResource } from '../lib/session-context.js';
import { ErrorBox, Loading, StatusBadge } from './common.js';

/** Loads and shows the run `workflowId`, live. */
export function LiveWorkflow({ workflowId, title }: { workflowId: string; title?: string }) {
  const workflow = useResource(
    `workflow:${workflowId}`,
    (client) => unwrap(client.GET('/api/v1/workflows/{id}', { params: { path: { id: workflowId } } })),
    (event) => event.type.startsWith('workflow.') && 'workflowId' in event.data && event.data.workflowId === workflowId,
  );
  if (!workflow.data) return workflow.error ? <ErrorBox error={workflow.error} /> : <Loading />;
  return <WorkflowTimeline workflow={workflow.data} title={title} />;
}

/** One run: status, progress, and each step with its timing and failure. */
export function WorkflowTimeline({ workflow, title }: { workflow: Workflow; title?: string | undefined }) {
  return (
    <section class="timeline" data-workflow-id={workflow.id} data-workflow-status={workflow.status}>
      <h2>
        {title ?? 'Workflow'} <a href={href('workflows', workflow.id)}>{workflow.type}</a>{' '}
        <StatusBadge status={workflow.status} />
      </h2>
      <div class="progress-line">
        <progress max={100} value={workflow.progress} aria-label="progress" />
        <span>
          {workflow.progress}% · started {formatTime(workflow.startedAt)} · {formatDuration(workflow.durationMs)}
          {workflow.currentStep ? ` · now: ${workflow.currentStep}` : ''}
        </span>
      </div>
      <ol class="steps">
        {workflow.steps.map((step, i) => (
          <li key={`${i}-${step.name}`} class={`step step-${step.status}`} data-step-status={step.status}>
            <span class="step-dot" aria-hidden="true" />
            <span class="step-name">{step.name}</span>
            <span class="step-time">{step.status === 'running' ? 'running…' : formatDuration(step.durationMs)}</span>
            {step.error ? (
              <p class="step-error">
                {step.error.reason}: {step.error.message}
              </p>
            ) : null}
          </li>
        ))}
      </ol>
      {workflow.error ? (
        <p class="error" role="alert">
          Failed at “{workflow.error.step}”: {workflow.error.reason} — {workflow.error.message}
        </p>
      ) : null}
      {workflow.logs.length > 0 ? (
        <details class="logs">
          <summary>Recent log lines ({workflow.logs.length})</summary>
          <pre>{workflow.logs.join('\n')}</pre>
        </details>
      ) : null}
    </section>
  );
}
