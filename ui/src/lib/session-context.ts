/** What every page knows about who is signed in, and the hooks built on it. */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { isApiError, type RackpilotClient, type Role } from './api.js';
import type { LiveEvents, LiveStatus, StreamedEvent } from './live-events.js';

/** The signed-in session. */
export interface Session {
  client: RackpilotClient;
  role: Role;
  /** The role may create, delete, wipe and download kubeconfigs: only then are those controls shown. */
  writer: boolean;
  events: LiveEvents;
  /** Forgets the key and shows the sign-in page (also when the API answers 401). */
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session (pages render only inside it). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** What `useResource` returns. */
export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Live events coalesce into one reload per interval: a burst of steps costs one request, and a
 * page never spends more than a fraction of its key's rate limit (100 a minute by default).
 */
const RELOAD_DEBOUNCE_MS = 1_000;
/** For lists, which events of every run and asset touch. */
export const LIST_RELOAD_MS = 3_000;

/**
 * Loads `load(client)` when `key` changes, and again after any live event `refreshOn` accepts
 * (at most once per `debounceMs`). A 401 signs out.
 */
export function useResource<T>(
  key: string,
  load: (client: RackpilotClient) => Promise<T>,
  refreshOn?: (event: StreamedEvent) => boolean,
  /** At most one reload per this many ms; lists that many events touch pass more. */
  debounceMs = RELOAD_DEBOUNCE_MS,
): Resource<T> {
  const session = useSession();
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; loading: boolean }>({
    key,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const refreshRef = useRef(refreshOn);
  refreshRef.current = refreshOn;
  const generation = useRef(0);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current(session.client).then(
      (data) => mine === generation.current && setState({ key, data, loading: false }),
      (error: unknown) => {
        if (isApiError(error) && error.status === 401) session.signOut();
        if (mine === generation.current) setState((s) => ({ ...s, key, error, loading: false }));
      },
    );
  }, [key, session]);

  useEffect(() => {
    setState((s) => (s.key === key ? s : { key, loading: true }));
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = session.events.subscribe((event) => {
      if (!refreshRef.current?.(event) || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, debounceMs);
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, reload, session, debounceMs]);

  const current = state.key === key ? state : { data: undefined, error: undefined, loading: true };
  return { data: current.data, error: current.error, loading: current.loading, reload };
}

/** The live connection's state, for the header. */
export function useLiveStatus(): LiveStatus {
  const { events } = useSession();
  const [status, setStatus] = useState(events.status);
  useEffect(() => events.onStatus(setStatus), [events]);
  return status;
}
