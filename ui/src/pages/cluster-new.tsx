/**
 * New cluster: the form, then the API's dry-run plan of exactly those values (nodes, roles, IPs,
 * install disks, steps, every problem), and only then "Create cluster". Changing a value after
 * the plan discards it, so what is created is always what was reviewed.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError, unwrap, type Asset, type ClusterPlan } from '../lib/api.js';
import {
  clusterRequest,
  emptyForm,
  missingFields,
  withRow,
  type ClusterForm,
  type NodeRow,
} from '../lib/cluster-form.js';
import { navigate } from '../lib/router.js';
import { useResource, useSession } from '../lib/session-context.js';
import { ErrorBox, Loading, Mono, PageHeader } from '../components/common.js';

export function NewCluster() {
  const session = useSession();
  const available = useResource(
    'assets:available',
    (client) =>
      unwrap(
        client.GET('/api/v1/assets', { params: { query: { status: 'available', perPage: 500, sort: 'hostname' } } }),
      ),
    (event) => event.type === 'asset.state_changed',
  );
  const [form, setForm] = useState<ClusterForm>(emptyForm);
  const [planned, setPlanned] = useState<{ body: string; plan: ClusterPlan }>();
  const [busy, setBusy] = useState<'plan' | 'create'>();
  const [error, setError] = useState<string>();

  if (!session.writer) return <p class="error">Your key’s role ({session.role}) cannot create clusters.</p>;
  if (!available.data) return available.error ? <ErrorBox error={available.error} /> : <Loading />;

  const body = clusterRequest(form);
  const bodyText = JSON.stringify(body);
  const plan = planned?.body === bodyText ? planned.plan : undefined;
  const missing = missingFields(form);
  const update = (next: ClusterForm) => {
    setForm(next);
    setError(undefined);
  };

  const reviewPlan = async () => {
    setBusy('plan');
    setError(undefined);
    try {
      const answer = await unwrap(
        session.client.POST('/api/v1/clusters', { params: { query: { dryRun: 'true' } }, body }),
      );
      setPlanned({ body: bodyText, plan: answer as ClusterPlan });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(undefined);
    }
  };
  const create = async () => {
    setBusy('create');
    setError(undefined);
    try {
      const created = await unwrap(session.client.POST('/api/v1/clusters', { body }));
      navigate('clusters', (created as { id: string }).id);
    } catch (err) {
      setError(describeError(err));
      setBusy(undefined);
    }
  };

  return (
    <>
      <PageHeader title="New cluster" />
      <form
        class="cluster-form"
        aria-label="New cluster"
        onSubmit={(e) => {
          e.preventDefault();
          void reviewPlan();
        }}
      >
        <div class="row">
          <label>
            Name
            <input
              name="name"
              required
              pattern="[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
              placeholder="edge-1"
              value={form.name}
              onInput={(e) => update({ ...form, name: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            Gateway
            <input
              name="gateway"
              required
              placeholder="10.0.8.1"
              value={form.gateway}
              onInput={(e) => update({ ...form, gateway: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            Prefix length
            <input
              name="prefix"
              required
              inputMode="numeric"
              value={form.prefix}
              onInput={(e) => update({ ...form, prefix: (e.target as HTMLInputElement).value })}
            />
          </label>
        </div>
        <h2>Nodes</h2>
        <table class="data nodes-form">
          <thead>
            <tr>
              <th>Role</th>
              <th>Asset</th>
              <th>IP</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {form.nodes.map((row, i) => (
              <NodeRowInputs
                key={i}
                index={i}
                row={row}
                assets={available.data!.assets}
                onChange={(next) => update(withRow(form, i, next))}
              />
            ))}
          </tbody>
        </table>
        <div class="actions">
          <button
            type="button"
            onClick={() => update({ ...form, nodes: [...form.nodes, { role: 'controlplane', assetId: '', ip: '' }] })}
          >
            Add control plane
          </button>
          <button
            type="button"
            onClick={() => update({ ...form, nodes: [...form.nodes, { role: 'worker', assetId: '', ip: '' }] })}
          >
            Add worker
          </button>
          <button type="submit" class="primary" disabled={missing.length > 0 || busy !== undefined}>
            {busy === 'plan' ? 'Checking…' : 'Review plan'}
          </button>
        </div>
        {missing.length > 0 ? <p class="muted small">Still needed: {missing.join(', ')}.</p> : null}
        {available.data.assets.length === 0 ? <p class="notice">No asset is available right now.</p> : null}
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {plan ? (
        <PlanView plan={plan} assets={available.data.assets}>
          <button type="button" class="primary" disabled={!plan.valid || busy !== undefined} onClick={create}>
            {busy === 'create' ? 'Creating…' : 'Create cluster'}
          </button>
        </PlanView>
      ) : null}
    </>
  );
}

function NodeRowInputs(props: {
  index: number;
  row: NodeRow;
  assets: Asset[];
  onChange(row: NodeRow | undefined): void;
}) {
  const { row, index } = props;
  return (
    <tr data-node-row={index}>
      <td>
        <select
          name={`role-${index}`}
          aria-label={`Role of node ${index + 1}`}
          value={row.role}
          onChange={(e) => props.onChange({ ...row, role: (e.target as HTMLSelectElement).value as NodeRow['role'] })}
        >
          <option value="controlplane">control plane</option>
          <option value="worker">worker</option>
        </select>
      </td>
      <td>
        <select
          name={`asset-${index}`}
          aria-label={`Asset of node ${index + 1}`}
          value={row.assetId}
          onChange={(e) => props.onChange({ ...row, assetId: (e.target as HTMLSelectElement).value })}
        >
          <option value="">choose an available asset…</option>
          {props.assets.map((a) => (
            <option key={a.id} value={a.id}>
              {a.hostname ?? a.id} — {a.specs ? `${a.specs.cpu}, ${a.specs.ram}` : 'no inventory'}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          name={`ip-${index}`}
          aria-label={`IP of node ${index + 1}`}
          placeholder="10.0.8.11"
          value={row.ip}
          onInput={(e) => props.onChange({ ...row, ip: (e.target as HTMLInputElement).value })}
        />
      </td>
      <td>
        <button
          type="button"
          class="link"
          aria-label={`Remove node ${index + 1}`}
          onClick={() => props.onChange(undefined)}
        >
          remove
        </button>
      </td>
    </tr>
  );
}

/** The dry-run answer: what would be built, in what steps, and what stops it. */
function PlanView({ plan, assets, children }: { plan: ClusterPlan; assets: Asset[]; children: ComponentChildren }) {
  const hostname = (id: string) => assets.find((a) => a.id === id)?.hostname ?? id;
  return (
    <section class="plan" aria-label="Plan" data-plan-valid={String(plan.valid)}>
      <h2>
        Plan {plan.valid ? <span class="badge badge-good">valid</span> : <span class="badge badge-bad">invalid</span>}
      </h2>
      <p class="muted">
        {plan.plan.name} on site {plan.plan.siteId ?? '—'} · gateway {plan.plan.gateway} · Talos{' '}
        {plan.plan.talosVersion} · Kubernetes {plan.plan.kubernetesVersion}
      </p>
      {plan.problems.length > 0 ? (
        <ul class="problems" role="alert">
          {plan.problems.map((p) => (
            <li key={`${p.field}-${p.code}`}>
              <Mono>{p.field}</Mono> {p.message} ({p.code})
            </li>
          ))}
        </ul>
      ) : null}
      <table class="data" aria-label="Planned nodes">
        <thead>
          <tr>
            <th>Node</th>
            <th>Role</th>
            <th>Asset</th>
            <th>Address</th>
            <th>Install disk</th>
            <th>MAC</th>
          </tr>
        </thead>
        <tbody>
          {plan.plan.nodes.map((n) => (
            <tr key={n.field}>
              <td>{n.hostname ?? n.field}</td>
              <td>{n.role}</td>
              <td>{hostname(n.assetId)}</td>
              <td>
                <Mono>{`${n.ip}/${n.subnet}`}</Mono>
              </td>
              <td>
                <Mono>
                  {n.installDisk
                    ? [
                        n.installDisk.path,
                        n.installDisk.serial && `serial ${n.installDisk.serial}`,
                        n.installDisk.wwn && `WWN ${n.installDisk.wwn}`,
                      ]
                        .filter(Boolean)
                        .join(' · ')
                    : '—'}
                </Mono>
              </td>
              <td>
                <Mono>{n.mac}</Mono>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Steps</h3>
      <ol class="plan-steps">
        {plan.plan.steps.map((s, i) => (
          <li key={i}>{s}</li>
        ))}
      </ol>
      <div class="actions">{children}</div>
    </section>
  );
}
