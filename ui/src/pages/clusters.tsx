/** Every cluster, live; writers get "New cluster". */
import { unwrap } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { href } from '../lib/router.js';
import { LIST_RELOAD_MS, useResource, useSession } from '../lib/session-context.js';
import { ErrorBox, Loading, PageHeader, StatusBadge } from '../components/common.js';

export function ClustersPage() {
  const session = useSession();
  const clusters = useResource(
    'clusters',
    (client) => unwrap(client.GET('/api/v1/clusters', { params: { query: { perPage: 200 } } })),
    (event) => event.type.startsWith('workflow.') && 'clusterId' in event.data && event.data.clusterId !== undefined,
    LIST_RELOAD_MS,
  );
  return (
    <>
      <PageHeader title="Clusters">
        {session.writer ? (
          <a class="button primary" href={href('clusters', 'new')}>
            New cluster
          </a>
        ) : null}
      </PageHeader>
      <ErrorBox error={clusters.error} />
      {!clusters.data ? (
        clusters.error ? null : (
          <Loading />
        )
      ) : clusters.data.clusters.length === 0 ? (
        <p class="muted">No clusters yet.</p>
      ) : (
        <table class="data" aria-label="Clusters">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Nodes</th>
              <th>Now</th>
              <th>Versions</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {clusters.data.clusters.map((c) => (
              <tr key={c.id} data-cluster-name={c.name}>
                <td>
                  <a href={href('clusters', c.id)}>{c.name}</a>
                </td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td>
                  {c.nodes.filter((n) => n.role === 'controlplane').length} control plane,{' '}
                  {c.nodes.filter((n) => n.role === 'worker').length} workers
                </td>
                <td>{c.failure ? `${c.failure.step}: ${c.failure.reason}` : (c.currentStep ?? '—')}</td>
                <td class="small">
                  Talos {c.talosVersion} · Kubernetes {c.kubernetesVersion}
                </td>
                <td>{formatTime(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
