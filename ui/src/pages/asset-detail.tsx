/** One asset: its state, BMC, full inventory (disks by serial and WWN) and the workflows that touched it. */
import { useState } from 'preact/hooks';
import { describeError, unwrap, type Asset } from '../lib/api.js';
import { formatBytes, formatDuration, formatTime } from '../lib/format.js';
import { href, navigate } from '../lib/router.js';
import { useResource, useSession } from '../lib/session-context.js';
import { ErrorBox, Facts, Loading, Mono, PageHeader, StatusBadge } from '../components/common.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';

export function AssetDetail({ id }: { id: string }) {
  const asset = useResource(
    `asset:${id}`,
    (client) => unwrap(client.GET('/api/v1/assets/{id}', { params: { path: { id } } })),
    (event) => event.type.startsWith('asset.') && 'assetId' in event.data && event.data.assetId === id,
  );
  if (!asset.data) return asset.error ? <ErrorBox error={asset.error} /> : <Loading />;
  const a = asset.data;
  return (
    <>
      <PageHeader
        title={
          <>
            {a.hostname ?? a.id} <StatusBadge status={a.status} />
          </>
        }
      >
        <WipeAction asset={a} />
      </PageHeader>
      <Facts
        items={[
          ['Asset', <Mono>{a.id}</Mono>],
          ['Site', <a href={href('sites')}>{a.siteId}</a>],
          ['BMC', <Mono>{`${a.bmc.driver} ${a.bmc.address}:${a.bmc.port} (user ${a.bmc.username})`}</Mono>],
          ['Boot method', a.bootMethod],
          ['Cluster', a.clusterId ? <a href={href('clusters', a.clusterId)}>{a.clusterId}</a> : '—'],
          ['Last workflow', a.workflowId ? <a href={href('workflows', a.workflowId)}>{a.workflowId}</a> : '—'],
          ['Enrolled', formatTime(a.createdAt)],
        ]}
      />
      {a.lastError ? (
        <p class="error" role="alert">
          {a.lastError.step}: {a.lastError.reason} — {a.lastError.message}
        </p>
      ) : null}
      <Inventory asset={a} />
      <WipeHistory assetId={a.id} />
    </>
  );
}

function Inventory({ asset }: { asset: Asset }) {
  const inv = asset.inventory;
  if (!inv) return <p class="muted">No inventory yet: discovery records it.</p>;
  return (
    <>
      <h2>Inventory</h2>
      <Facts
        items={[
          ['CPU', `${inv.cpu.model} (${inv.cpu.sockets} socket, ${inv.cpu.cores} cores, ${inv.cpu.threads} threads)`],
          ['Memory', `${asset.specs?.ram ?? '?'} (${(inv.memory.totalBytes / 2 ** 30).toFixed(1)} GiB usable)`],
          ['System', [inv.dmi.vendor, inv.dmi.product].filter(Boolean).join(' ') || '—'],
          ['Serial', <Mono>{inv.dmi.serial}</Mono>],
        ]}
      />
      <h3>Disks</h3>
      <table class="data" aria-label="Disks">
        <thead>
          <tr>
            <th>Device</th>
            <th>Size</th>
            <th>Model</th>
            <th>Serial</th>
            <th>WWN</th>
            <th>Media</th>
          </tr>
        </thead>
        <tbody>
          {inv.disks.map((d) => (
            <tr key={d.path} data-disk-serial={d.serial ?? ''}>
              <td>
                <Mono>{d.path}</Mono>
              </td>
              <td>{formatBytes(d.sizeBytes)}</td>
              <td>{d.model ?? '—'}</td>
              <td>
                <Mono>{d.serial}</Mono>
              </td>
              <td>
                <Mono>{d.wwn}</Mono>
              </td>
              <td>{d.transport === 'nvme' ? 'NVMe' : d.rotational ? 'HDD' : 'SSD'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Network interfaces</h3>
      <table class="data" aria-label="Network interfaces">
        <thead>
          <tr>
            <th>Name</th>
            <th>MAC</th>
            <th>Speed</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {inv.nics.map((n) => (
            <tr key={n.mac}>
              <td>{n.name}</td>
              <td>
                <Mono>{n.mac}</Mono>
              </td>
              <td>{n.speedMbps ? `${n.speedMbps} Mbit/s` : '—'}</td>
              <td>{n.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {asset.bmcHardware ? (
        <>
          <h3>As the BMC reports it ({asset.bmcHardware.protocol})</h3>
          <Facts
            items={[
              ['Model', [asset.bmcHardware.manufacturer, asset.bmcHardware.model].filter(Boolean).join(' ') || '—'],
              ['Serial', <Mono>{asset.bmcHardware.serial}</Mono>],
              ['BIOS', asset.bmcHardware.biosVersion],
              ['BMC firmware', asset.bmcHardware.bmcFirmware],
              ['Drives', asset.bmcHardware.drives.map((d) => d.serial ?? d.name ?? '?').join(', ') || '—'],
            ]}
          />
        </>
      ) : null}
    </>
  );
}

/**
 * The evidence of the asset's last wipe, disk by disk (what was erased, how, and what reading
 * the disk back found), and the wipe workflows that ran on it. A cluster delete's per-node wipes
 * are child runs the workflows index does not list, but their reports show here.
 */
function WipeHistory({ assetId }: { assetId: string }) {
  const touchesAsset = (event: { type: string; data: object }) =>
    'assetId' in event.data && event.data.assetId === assetId;
  const reports = useResource(
    `asset-wipe-reports:${assetId}`,
    (client) => unwrap(client.GET('/api/v1/assets/{id}/wipe-reports', { params: { path: { id: assetId } } })),
    (event) => event.type.startsWith('asset.') && touchesAsset(event),
  );
  const runs = useResource(
    `asset-workflows:${assetId}`,
    (client) => unwrap(client.GET('/api/v1/workflows', { params: { query: { assetId, perPage: 50 } } })),
    (event) => event.type.startsWith('workflow.') && touchesAsset(event),
  );
  const disks = reports.data?.items ?? [];
  const wipes = runs.data?.workflows.filter((w) => w.type === 'disk-wipe') ?? [];
  return (
    <>
      <h2>Wipe reports</h2>
      <ErrorBox error={reports.error ?? runs.error} />
      {reports.data && disks.length === 0 ? <p class="muted">No disk of this asset has been wiped.</p> : null}
      {disks.length > 0 ? (
        <table class="data" aria-label="Disk wipe reports">
          <thead>
            <tr>
              <th>Disk</th>
              <th>Serial</th>
              <th>WWN</th>
              <th>Wipe</th>
              <th>Verified</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {disks.map((d) => (
              <tr key={d.diskId}>
                <td>
                  <Mono>{d.path}</Mono> {formatBytes(d.sizeBytes)}
                </td>
                <td>
                  <Mono>{d.serial}</Mono>
                </td>
                <td>
                  <Mono>{d.wwn}</Mono>
                </td>
                <td>
                  {d.method} ({d.technique}){d.error ? `: ${d.error}` : ''}
                </td>
                <td title={d.verification.problems.join('; ')}>
                  <StatusBadge status={d.verification.passed ? 'verified' : 'failed'} />
                </td>
                <td>{formatTime(d.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {wipes.length > 0 ? (
        <table class="data" aria-label="Wipe workflows">
          <thead>
            <tr>
              <th>Workflow</th>
              <th>Status</th>
              <th>Wipe steps</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {wipes.map((w) => (
              <tr key={w.id}>
                <td>
                  <a href={href('workflows', w.id)}>{w.type}</a>
                </td>
                <td>
                  <StatusBadge status={w.status} />
                </td>
                <td>
                  {w.steps
                    .filter((s) => /^wipe|wipe reports/i.test(s.name))
                    .map((s) => `${s.name}: ${s.status} (${formatDuration(s.durationMs)})`)
                    .join('; ')}
                </td>
                <td>{formatTime(w.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

/** "Wipe disks" for writers, on an asset that is available or in error. */
function WipeAction({ asset }: { asset: Asset }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!session.writer || !['available', 'error'].includes(asset.status)) return null;
  const name = asset.hostname ?? asset.id;
  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Wipe disks
      </button>
      {error ? <span class="error-text">{error}</span> : null}
      <ConfirmDialog
        open={open}
        title={`Wipe every disk of ${name}?`}
        message="Every disk is erased and verified (quick mode). This cannot be undone."
        confirmText={name}
        actionLabel="Wipe disks"
        busy={busy}
        onCancel={() => setOpen(false)}
        onConfirm={() => {
          setBusy(true);
          unwrap(
            session.client.POST('/api/v1/assets/{id}/wipe', {
              params: { path: { id: asset.id } },
              body: { mode: 'quick' },
            }),
          ).then(
            ({ workflowId }) => navigate('workflows', workflowId),
            (err: unknown) => {
              setError(describeError(err));
              setBusy(false);
              setOpen(false);
            },
          );
        }}
      />
    </>
  );
}
