/** Every asset with its state and inventory summary, live. */
import { unwrap, type Asset } from '../lib/api.js';
import { href } from '../lib/router.js';
import { LIST_RELOAD_MS, useResource } from '../lib/session-context.js';
import { ErrorBox, Loading, Mono, PageHeader, StatusBadge } from '../components/common.js';

export function AssetsPage() {
  const assets = useResource(
    'assets',
    (client) => unwrap(client.GET('/api/v1/assets', { params: { query: { perPage: 500, sort: 'hostname' } } })),
    (event) => event.type.startsWith('asset.'),
    LIST_RELOAD_MS,
  );
  return (
    <>
      <PageHeader title="Assets">
        {assets.data ? <span class="muted">{assets.data.total} servers</span> : null}
      </PageHeader>
      <ErrorBox error={assets.error} />
      {assets.data ? <AssetTable assets={assets.data.assets} /> : assets.error ? null : <Loading />}
    </>
  );
}

function AssetTable({ assets }: { assets: Asset[] }) {
  if (assets.length === 0) return <p class="muted">No assets yet: enrol servers by their BMC (POST /api/v1/assets).</p>;
  return (
    <table class="data" aria-label="Assets">
      <thead>
        <tr>
          <th>Hostname</th>
          <th>Status</th>
          <th>BMC</th>
          <th>CPU</th>
          <th>Memory</th>
          <th>Disks</th>
          <th>NICs</th>
          <th>Cluster</th>
        </tr>
      </thead>
      <tbody>
        {assets.map((a) => (
          <tr key={a.id} data-asset-id={a.id}>
            <td>
              <a href={href('assets', a.id)}>{a.hostname ?? a.id}</a>
              <div class="muted small">
                <Mono>{a.id}</Mono>
              </div>
            </td>
            <td>
              <StatusBadge status={a.status} />
              {a.lastError ? <div class="small error-text">{a.lastError.reason}</div> : null}
            </td>
            <td>
              {a.bmc.driver} <Mono>{`${a.bmc.address}:${a.bmc.port}`}</Mono>
            </td>
            <td>{a.specs?.cpu ?? '—'}</td>
            <td>{a.specs?.ram ?? '—'}</td>
            <td>{a.specs?.disk ?? '—'}</td>
            <td>{a.inventory ? a.inventory.nics.length : '—'}</td>
            <td>{a.clusterId ? <a href={href('clusters', a.clusterId)}>{a.clusterId}</a> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
