import type { Cluster, ClusterPlan } from '../../client/resources.js';
import { withPaging } from './asset-views.js';
import { detailTable, listTable, sections, shortTime, type Column } from './table.js';

const CLUSTER_COLUMNS: Column<Cluster>[] = [
  { header: 'ID', value: (c) => c.id },
  { header: 'NAME', value: (c) => c.name },
  { header: 'STATUS', value: (c) => c.status },
  { header: 'NODES', value: (c) => nodeCounts(c.nodes) },
  { header: 'TALOS', value: (c) => c.talosVersion },
  { header: 'KUBERNETES', value: (c) => c.kubernetesVersion },
  { header: 'STEP', value: (c) => c.currentStep },
  { header: 'CREATED', value: (c) => shortTime(c.createdAt) },
];

function nodeCounts(nodes: { role: string }[]): string {
  const cp = nodes.filter((n) => n.role === 'controlplane').length;
  return `${cp} cp + ${nodes.length - cp} worker`;
}

function installDisk(disk: { wwn: string | null; serial: string | null; path: string | null } | null): string | null {
  if (!disk) return null;
  return disk.wwn ? `wwn ${disk.wwn}` : disk.serial ? `serial ${disk.serial}` : disk.path;
}

/** `clusters ls` as a table. */
export function clusterList(body: { clusters: Cluster[]; total: number; page: number; perPage: number }): string {
  return withPaging(listTable(body.clusters, CLUSTER_COLUMNS), body.clusters.length, body);
}

/** `clusters get` as a table: the cluster, its nodes with their assets' state, its failure. */
export function clusterDetail(c: Cluster): string {
  return sections(
    [
      null,
      detailTable([
        ['ID', c.id],
        ['Name', c.name],
        ['Status', c.status],
        ['Site', c.siteId],
        ['Gateway', c.gateway],
        ['Talos', c.talosVersion],
        ['Kubernetes', c.kubernetesVersion],
        ['Current step', c.currentStep],
        ['Workflow', c.workflowId],
        ['Kubeconfig', c.kubeconfigAvailable ? 'available (rackpilot clusters kubeconfig)' : 'not yet'],
        ['Created', shortTime(c.createdAt)],
      ]),
    ],
    [
      'Nodes',
      listTable(c.nodes, [
        { header: 'ASSET', value: (n) => n.assetId },
        { header: 'HOSTNAME', value: (n) => n.hostname },
        { header: 'ROLE', value: (n) => n.role },
        { header: 'IP', value: (n) => `${n.ip}/${n.subnet}` },
        { header: 'INSTALL DISK', value: (n) => installDisk(n.installDisk) },
        { header: 'ASSET STATUS', value: (n) => n.assetStatus },
      ]),
    ],
    c.failure
      ? [
          'Failure',
          detailTable([
            ['Step', c.failure.step],
            ['Reason', c.failure.reason],
            ['Message', c.failure.message],
          ]),
        ]
      : null,
  );
}

/** A dry run (`clusters create --dry-run`, `assets provision --dry-run`): nodes, steps, problems. */
export function clusterPlan(p: ClusterPlan): string {
  return sections(
    [
      null,
      detailTable([
        ['Cluster', p.plan.name],
        ['Site', p.plan.siteId],
        ['Gateway', p.plan.gateway],
        ['Talos', p.plan.talosVersion],
        ['Kubernetes', p.plan.kubernetesVersion],
        ['Valid', p.valid ? 'yes' : `no (${p.problems.length} problem${p.problems.length === 1 ? '' : 's'})`],
      ]),
    ],
    [
      'Nodes',
      listTable(p.plan.nodes, [
        { header: 'FIELD', value: (n) => n.field },
        { header: 'ASSET', value: (n) => n.assetId },
        { header: 'ROLE', value: (n) => n.role },
        { header: 'HOSTNAME', value: (n) => n.hostname },
        { header: 'IP', value: (n) => `${n.ip}/${n.subnet}` },
        { header: 'INSTALL DISK', value: (n) => installDisk(n.installDisk) },
        { header: 'MAC', value: (n) => n.mac },
      ]),
    ],
    ['Steps', p.plan.steps.map((s, i) => `${i + 1}. ${s}`).join('\n')],
    p.problems.length > 0
      ? [
          'Problems',
          listTable(p.problems, [
            { header: 'FIELD', value: (x) => x.field },
            { header: 'CODE', value: (x) => x.code },
            { header: 'MESSAGE', value: (x) => x.message },
          ]),
        ]
      : null,
  );
}
