/** Small pieces every page uses. */
import type { ComponentChildren } from 'preact';
import { describeError } from '../lib/api.js';

const GOOD = new Set(['available', 'ready', 'completed', 'provisioned', 'online', 'passed', 'verified']);
const BAD = new Set(['failed', 'error', 'offline', 'cancelled']);
const IDLE = new Set(['pending', 'skipped', 'deleted', 'maintenance']);

/** A state as a coloured label (`data-status` carries the raw value for tests and styles). */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  const value = status ?? 'unknown';
  const tone = GOOD.has(value) ? 'good' : BAD.has(value) ? 'bad' : IDLE.has(value) ? 'idle' : 'busy';
  return (
    <span class={`badge badge-${tone}`} data-status={value}>
      {value}
    </span>
  );
}

/** An error the API answered, or any other. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p class="error" role="alert">
      {describeError(error)}
    </p>
  );
}

/** Shown while the first answer is awaited. */
export function Loading() {
  return <p class="muted">Loading…</p>;
}

/** A list of label/value facts. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A page's title and the actions beside it. */
export function PageHeader({ title, children }: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children ? <div class="actions">{children}</div> : null}
    </header>
  );
}

/** A value in monospace (ids, addresses, serials). */
export function Mono({ children }: { children: ComponentChildren }) {
  return <code class="mono">{children ?? '—'}</code>;
}
