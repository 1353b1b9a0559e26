/** Sign in with an API key: checked against the API (and its role found) before it is kept. */
import { useState } from 'preact/hooks';
import { connect, describeError, discoverRole, type Role } from '../lib/api.js';

export function SignIn({ onSignedIn, notice }: { onSignedIn(key: string, role: Role): void; notice?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const trimmed = key.trim();
      onSignedIn(trimmed, await discoverRole(connect(trimmed)));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-label="Sign in">
        <h1>Rackpilot</h1>
        <p class="muted">Bare-metal servers to Talos Kubernetes clusters.</p>
        {notice ? <p class="notice">{notice}</p> : null}
        <label>
          API key
          <input
            name="apiKey"
            type="password"
            autocomplete="off"
            placeholder="rp_…"
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <p class="muted small">The key stays in this tab only (session storage) and is sent to this server alone.</p>
      </form>
    </main>
  );
}
