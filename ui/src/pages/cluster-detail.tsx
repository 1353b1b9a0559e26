/**
 * One cluster: status, nodes and the live timeline of the workflow acting on it; writers download
 * the kubeconfig once it is ready and delete the cluster after typing its name.
 */
import { useState } from 'preact/hooks';
import { describeError, unwrap, type Cluster } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useResource, useSession } from '../lib/session-context.js';
import { ErrorBox, Facts, Loading, Mono, PageHeader, StatusBadge } from '../components/common.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { LiveWorkflow } from '../components/workflow-timeline.js';

export function ClusterDetail({ id }: { id: string }) {
  const cluster = useResource(
    `cluster:${id}`,
    (client) => unwrap(client.GET('/api/v1/clusters/{id}', { params: { path: { id } } })),
    (event) =>
      (event.type.startsWith('workflow.') && 'clusterId' in event.data && event.data.clusterId === id) ||
      (event.type === 'asset.state_changed' && event.data.clusterId === id),
  );
  if (!cluster.data) return cluster.error ? <ErrorBox error={cluster.error} /> : <Loading />;
  const c = cluster.data;
  return (
    <>
      <PageHeader
        title={
          <>
            {c.name} <StatusBadge status={c.status} />
          </>
        }
      >
        <ClusterActions cluster={c} onChanged={cluster.reload} />
      </PageHeader>
      <Facts
        items={[
          ['Cluster', <Mono>{c.id}</Mono>],
          ['Site', <a href={href('sites')}>{c.siteId}</a>],
          ['Gateway', <Mono>{c.gateway}</Mono>],
          ['Versions', `Talos ${c.talosVersion} · Kubernetes ${c.kubernetesVersion}`],
          ['Current step', c.currentStep ?? '—'],
          ['Created', formatTime(c.createdAt)],
        ]}
      />
      {c.failure ? (
        <p class="error" role="alert">
          Failed at “{c.failure.step}”: {c.failure.reason} — {c.failure.message}
        </p>
      ) : null}
      <h2>Nodes</h2>
      <table class="data" aria-label="Nodes">
        <thead>
          <tr>
            <th>Hostname</th>
            <th>Role</th>
            <th>Address</th>
            <th>Install disk</th>
            <th>Asset</th>
          </tr>
        </thead>
        <tbody>
          {c.nodes.map((n) => (
            <tr key={n.assetId}>
              <td>{n.hostname}</td>
              <td>{n.role}</td>
              <td>
                <Mono>{`${n.ip}/${n.subnet}`}</Mono>
              </td>
              <td>
                <Mono>{n.installDisk.serial ?? n.installDisk.wwn ?? n.installDisk.path}</Mono>
              </td>
              <td>
                <a href={href('assets', n.assetId)}>{n.assetId}</a> <StatusBadge status={n.assetStatus} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.workflowId ? <LiveWorkflow workflowId={c.workflowId} title="Workflow" /> : null}
    </>
  );
}

function ClusterActions({ cluster, onChanged }: { cluster: Cluster; onChanged(): void }) {
  const session = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!session.writer) return null;
  const deletable = !['deleting', 'deleted'].includes(cluster.status);

  const download = async () => {
    setError(undefined);
    try {
      const yaml = await unwrap(
        session.client.GET('/api/v1/clusters/{id}/kubeconfig', {
          params: { path: { id: cluster.id } },
          parseAs: 'text',
        }),
      );
      const url = URL.createObjectURL(new Blob([yaml as string], { type: 'application/yaml' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `${cluster.name}-kubeconfig.yaml`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <>
      {error ? <span class="error-text">{error}</span> : null}
      {cluster.kubeconfigAvailable ? (
        <button type="button" class="primary" onClick={download}>
          Download kubeconfig
        </button>
      ) : null}
      {deletable ? (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete cluster
        </button>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title={`Delete cluster ${cluster.name}?`}
        message={`Every node (${cluster.nodes.length}) is wiped and released back to the pool. The cluster and its workloads are gone for good.`}
        confirmText={cluster.name}
        actionLabel="Delete cluster"
        busy={busy}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setBusy(true);
          unwrap(session.client.DELETE('/api/v1/clusters/{id}', { params: { path: { id: cluster.id } } })).then(
            () => {
              setBusy(false);
              setConfirming(false);
              onChanged();
            },
            (err: unknown) => {
              setError(describeError(err));
              setBusy(false);
              setConfirming(false);
            },
          );
        }}
      />
    </>
  );
}
