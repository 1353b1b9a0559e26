/** Sites (datacenters) and whether each one's agent is online. */
import { useEffect, useState } from 'preact/hooks';
import { unwrap } from '../lib/api.js';
import { formatAgo } from '../lib/format.js';
import { useResource } from '../lib/session-context.js';
import { ErrorBox, Loading, Mono, PageHeader, StatusBadge } from '../components/common.js';

/** Agents report every few seconds, without an event: the page asks again this often. */
const REFRESH_MS = 20_000;

export function SitesPage() {
  const sites = useResource('sites', (client) =>
    unwrap(client.GET('/api/v1/sites', { params: { query: { perPage: 200 } } })),
  );
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      sites.reload();
      tick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [sites.reload]);
  return (
    <>
      <PageHeader title="Sites" />
      <ErrorBox error={sites.error} />
      {!sites.data ? (
        sites.error ? null : (
          <Loading />
        )
      ) : sites.data.sites.length === 0 ? (
        <p class="muted">No sites yet.</p>
      ) : (
        <table class="data" aria-label="Sites">
          <thead>
            <tr>
              <th>Name</th>
              <th>Agent</th>
              <th>Last seen</th>
              <th>Version</th>
              <th>Capabilities</th>
              <th>Boot server</th>
            </tr>
          </thead>
          <tbody>
            {sites.data.sites.map((s) => (
              <tr key={s.id} data-site-id={s.id}>
                <td>
                  {s.name}
                  <div class="muted small">
                    <Mono>{s.id}</Mono>
                  </div>
                  {s.description ? <div class="small">{s.description}</div> : null}
                </td>
                <td>
                  <StatusBadge status={!s.enrolled ? 'pending' : s.agent.online ? 'online' : 'offline'} />
                  {!s.enrolled ? <div class="small muted">agent not enrolled yet</div> : null}
                </td>
                <td>{formatAgo(s.agent.lastSeenAt)}</td>
                <td>{s.agent.version ?? '—'}</td>
                <td class="small">{s.agent.capabilities.join(', ') || '—'}</td>
                <td>
                  <Mono>{s.agent.bootServerUrl}</Mono>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
