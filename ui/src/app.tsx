/** The dashboard: sign-in, then the pages under one header, with one live event stream per session. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { canWrite, connect, describeError, discoverRole, type Role } from './lib/api.js';
import { LiveEvents } from './lib/live-events.js';
import { href, useRoute } from './lib/router.js';
import { forgetKey, storeKey, storedKey } from './lib/session.js';
import { SessionContext, useLiveStatus, useSession, type Session } from './lib/session-context.js';
import { AssetDetail } from './pages/asset-detail.js';
import { AssetsPage } from './pages/assets.js';
import { ClusterDetail } from './pages/cluster-detail.js';
import { NewCluster } from './pages/cluster-new.js';
import { ClustersPage } from './pages/clusters.js';
import { SignIn } from './pages/sign-in.js';
import { SitesPage } from './pages/sites.js';
import { WorkflowDetail } from './pages/workflow-detail.js';
import { WorkflowsPage } from './pages/workflows.js';

interface Signed {
  key: string;
  role: Role;
}

export function App() {
  const [signed, setSigned] = useState<Signed>();
  const [restoring, setRestoring] = useState(() => storedKey() !== undefined);
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    discoverRole(connect(key)).then(
      (role) => {
        setSigned({ key, role });
        setRestoring(false);
      },
      (err: unknown) => {
        forgetKey();
        setNotice(`Signed out: ${describeError(err)}`);
        setRestoring(false);
      },
    );
  }, []);

  const session = useMemo<Session | undefined>(() => {
    if (!signed) return undefined;
    const signOut = (reason?: string) => {
      forgetKey();
      setNotice(reason);
      setSigned(undefined);
    };
    const events = new LiveEvents(signed.key, () => signOut('The API no longer accepts this key.'));
    return {
      client: connect(signed.key),
      role: signed.role,
      writer: canWrite(signed.role),
      events,
      signOut: () => signOut(),
    };
  }, [signed]);

  useEffect(() => {
    if (!session) return;
    session.events.start();
    return () => session.events.stop();
  }, [session]);

  if (restoring) return <p class="muted centered">Signing in…</p>;
  if (!session)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(key, role) => {
          storeKey(key);
          setNotice(undefined);
          if (window.location.hash === '') window.location.hash = href('assets');
          setSigned({ key, role });
        }}
      />
    );
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

const SECTIONS = [
  ['assets', 'Assets'],
  ['clusters', 'Clusters'],
  ['workflows', 'Workflows'],
  ['sites', 'Sites'],
] as const;

function Shell() {
  const route = useRoute();
  const session = useSession();
  const live = useLiveStatus();
  const section = route[0] ?? 'assets';
  return (
    <>
      <header class="top">
        <a class="brand" href={href('assets')}>
          Rackpilot
        </a>
        <nav aria-label="Sections">
          {SECTIONS.map(([id, label]) => (
            <a key={id} href={href(id)} class={section === id ? 'current' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`live live-${live}`} title="Live updates (Server-Sent Events)" data-live={live}>
          {live === 'live' ? 'live' : live === 'connecting' ? 'connecting…' : 'offline'}
        </span>
        <span class="role" data-role={session.role}>
          {session.role}
        </span>
        <button type="button" class="link" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <main class="page">
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: string[] }) {
  const [section, id] = route;
  switch (section) {
    case undefined:
    case 'assets':
      return id ? <AssetDetail id={id} /> : <AssetsPage />;
    case 'clusters':
      if (id === 'new') return <NewCluster />;
      return id ? <ClusterDetail id={id} /> : <ClustersPage />;
    case 'workflows':
      return id ? <WorkflowDetail id={id} /> : <WorkflowsPage />;
    case 'sites':
      return <SitesPage />;
    default:
      return <p class="error">No such page.</p>;
  }
}
