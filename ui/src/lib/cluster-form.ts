/** The new-cluster form's state and the request it makes (pure: unit-tested without a browser). */
import type { CreateClusterBody } from './api.js';

/** One node row of the form. */
export interface NodeRow {
  role: 'controlplane' | 'worker';
  assetId: string;
  ip: string;
}

/** What the form holds. */
export interface ClusterForm {
  name: string;
  gateway: string;
  /** Prefix length of the node network, e.g. `24`. */
  prefix: string;
  nodes: NodeRow[];
}

/** An empty form with one control-plane row. */
export function emptyForm(): ClusterForm {
  return { name: '', gateway: '', prefix: '24', nodes: [{ role: 'controlplane', assetId: '', ip: '' }] };
}

/** The body of `POST /api/v1/clusters` (Colony's shape) for the form's values, trimmed. */
export function clusterRequest(form: ClusterForm): CreateClusterBody {
  const node = (row: NodeRow) => ({ assetId: row.assetId.trim(), ip: row.ip.trim(), subnet: form.prefix.trim() });
  return {
    name: form.name.trim(),
    type: 'talos',
    flavor: 'talos',
    gateway: form.gateway.trim(),
    controlPlanes: form.nodes.filter((n) => n.role === 'controlplane').map(node),
    workers: form.nodes.filter((n) => n.role === 'worker').map(node),
  };
}

/** What the form still lacks before a plan can be asked for; empty when complete. */
export function missingFields(form: ClusterForm): string[] {
  const missing: string[] = [];
  if (form.name.trim() === '') missing.push('a name');
  if (form.gateway.trim() === '') missing.push('a gateway');
  if (!form.nodes.some((n) => n.role === 'controlplane')) missing.push('a control plane');
  if (form.nodes.some((n) => n.assetId === '' || n.ip.trim() === '')) missing.push('an asset and IP for every node');
  return missing;
}

/** Sets row `index` of the form to `row`, or removes it when `row` is undefined. */
export function withRow(form: ClusterForm, index: number, row: NodeRow | undefined): ClusterForm {
  const nodes = form.nodes.slice();
  if (row) nodes[index] = row;
  else nodes.splice(index, 1);
  return { ...form, nodes };
}
