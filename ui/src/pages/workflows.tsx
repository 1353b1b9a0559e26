/** Workflow runs, newest first, live. */
import { useState } from 'preact/hooks';
import { unwrap } from '../lib/api.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { href } from '../lib/router.js';
import { LIST_RELOAD_MS, useResource } from '../lib/session-context.js';
import { ErrorBox, Loading, PageHeader, StatusBadge } from '../components/common.js';

const TYPES = ['discovery', 'os-provision', 'disk-wipe', 'cluster-provision', 'cluster-delete'] as const;
type WorkflowType = (typeof TYPES)[number];

export function WorkflowsPage() {
  const [type, setType] = useState<WorkflowType | ''>('');
  const runs = useResource(
    `workflows:${type}`,
    (client) =>
      unwrap(client.GET('/api/v1/workflows', { params: { query: { perPage: 100, ...(type ? { type } : {}) } } })),
    (event) => event.type.startsWith('workflow.'),
    LIST_RELOAD_MS,
  );
  return (
    <>
      <PageHeader title="Workflows">
        <label class="inline">
          Type{' '}
          <select
            name="type"
            value={type}
            onChange={(e) => setType((e.target as HTMLSelectElement).value as WorkflowType | '')}
          >
            <option value="">all</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      <ErrorBox error={runs.error} />
      {!runs.data ? (
        runs.error ? null : (
          <Loading />
        )
      ) : runs.data.workflows.length === 0 ? (
        <p class="muted">No workflow runs.</p>
      ) : (
        <table class="data" aria-label="Workflows">
          <thead>
            <tr>
              <th>Type</th>
              <th>Status</th>
              <th>Target</th>
              <th>Progress</th>
              <th>Current step</th>
              <th>Started</th>
              <th>Took</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.workflows.map((w) => (
              <tr key={w.id} data-workflow-id={w.id}>
                <td>
                  <a href={href('workflows', w.id)}>{w.type}</a>
                </td>
                <td>
                  <StatusBadge status={w.status} />
                </td>
                <td>
                  {w.target.clusterId ? <a href={href('clusters', w.target.clusterId)}>{w.target.clusterId}</a> : null}
                  {w.target.assetId ? <a href={href('assets', w.target.assetId)}>{w.target.assetId}</a> : null}
                </td>
                <td>
                  <progress max={100} value={w.progress} aria-label="progress" /> {w.progress}%
                </td>
                <td>{w.error ? `${w.error.step}: ${w.error.reason}` : (w.currentStep ?? '—')}</td>
                <td>{formatTime(w.startedAt)}</td>
                <td>{formatDuration(w.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
