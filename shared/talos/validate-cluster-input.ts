/**
 * Refuses a Talos cluster request that cannot produce working machines, before any secret is
 * generated or any machine boots. Every problem is reported at once, each naming its field
 * (`nodes[2].ip`), under the API's `VALIDATION_FAILED` code.
 *
 * The cluster subnet is the first node's `ip/prefix`: every node, the gateway and the VIP must lie
 * in it, because Talos gets one static route via the gateway and no other way off the link.
 */
import { ValidationError } from '../errors.js';
import { talosClusterInputSchema, type TalosClusterInput, type ValidatedClusterInput } from './cluster-input.js';
import { formatSubnet, reservedAddressKind, subnetContains, subnetOf, type Subnet } from './ipv4.js';

export type { TalosClusterInput, TalosNodeInput, ValidatedClusterInput } from './cluster-input.js';

/** One refused field, as carried in `ValidationError.details`. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** Oldest Talos minor whose machine config schema the generator targets (see machine-config.ts). */
const MIN_TALOS = [1, 8] as const;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function checkVersions(input: ValidatedClusterInput, problems: FieldProblem[]): void {
  const [major = 0, minor = 0] = input.talosVersion.slice(1).split('.').map(Number);
  if (major !== 1 || minor < MIN_TALOS[1]) {
    problems.push({
      field: 'talosVersion',
      problem: `Talos ${input.talosVersion} is not supported (need v1.8 or later v1.x)`,
    });
  }
}

function checkInstallDisk(node: ValidatedClusterInput['nodes'][number], at: string, problems: FieldProblem[]): void {
  const { wwn, serial, path } = node.installDisk;
  if (wwn === undefined && serial === undefined && path === undefined) {
    problems.push({ field: `${at}.installDisk`, problem: 'an install disk is required (wwn, serial or path)' });
  } else if (path !== undefined && (wwn !== undefined || serial !== undefined)) {
    // Talos refuses install.disk together with install.diskSelector.
    problems.push({
      field: `${at}.installDisk.path`,
      problem: 'give either a path or a disk selector (wwn/serial), not both',
    });
  }
}

function checkAddress(label: string, address: string, subnet: Subnet, problems: FieldProblem[]): void {
  if (!subnetContains(subnet, address)) {
    problems.push({ field: label, problem: `${address} is outside the cluster subnet ${formatSubnet(subnet)}` });
    return;
  }
  const reserved = reservedAddressKind(address, subnet.prefix);
  if (reserved) {
    problems.push({ field: label, problem: `${address} is the ${reserved} address of ${formatSubnet(subnet)}` });
  }
}

/** Records a problem on every later occurrence of a value that must be unique. */
function checkUnique(
  values: (string | undefined)[],
  label: (i: number) => string,
  what: string,
  problems: FieldProblem[],
) {
  const seen = new Map<string, number>();
  values.forEach((value, i) => {
    if (value === undefined) return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else problems.push({ field: label(i), problem: `duplicate ${what} ${value} (also ${label(first)})` });
  });
}

function checkNetwork(input: ValidatedClusterInput, problems: FieldProblem[]): void {
  const [first] = input.nodes;
  if (!first) return;
  const subnet = subnetOf(first.ip, first.prefix);
  input.nodes.forEach((node, i) => {
    if (node.prefix !== first.prefix) {
      problems.push({
        field: `nodes[${i}].prefix`,
        problem: `prefix /${node.prefix} differs from the cluster's /${first.prefix}`,
      });
    }
    checkAddress(`nodes[${i}].ip`, node.ip, subnet, problems);
    if (node.ip === input.gateway) problems.push({ field: `nodes[${i}].ip`, problem: 'is the gateway address' });
    if (node.mac === undefined && node.interface === undefined) {
      // A deviceSelector without a MAC would match every link, and Talos would put the address on each.
      problems.push({
        field: `nodes[${i}].mac`,
        problem: 'a MAC (or an interface name) is needed to place the address',
      });
    }
    checkInstallDisk(node, `nodes[${i}]`, problems);
  });
  checkAddress('gateway', input.gateway, subnet, problems);
  if (input.vip !== undefined) {
    checkAddress('vip', input.vip, subnet, problems);
    if (input.vip === input.gateway || input.nodes.some((n) => n.ip === input.vip)) {
      problems.push({ field: 'vip', problem: `${input.vip} is already used by the gateway or a node` });
    }
  }
  checkUnique(
    input.nodes.map((n) => n.hostname),
    (i) => `nodes[${i}].hostname`,
    'hostname',
    problems,
  );
  checkUnique(
    input.nodes.map((n) => n.ip),
    (i) => `nodes[${i}].ip`,
    'IP',
    problems,
  );
  checkUnique(
    input.nodes.map((n) => n.mac),
    (i) => `nodes[${i}].mac`,
    'MAC',
    problems,
  );
  if (!input.nodes.some((n) => n.role === 'controlplane')) {
    problems.push({ field: 'nodes', problem: 'at least one node must have role controlplane' });
  }
}

/**
 * Returns the validated, normalised input (MACs lower-case, `talosVersion` with and
 * `kubernetesVersion` without a leading `v`).
 * Thrown (ValidationError, `VALIDATION_FAILED`, details `FieldProblem[]`) when the request is
 * malformed or inconsistent: an IP or the gateway outside the subnet, a network/broadcast address,
 * duplicate hostnames/IPs/MACs, a missing install disk, no control plane, an unsupported version.
 */
export function validateClusterInput(input: TalosClusterInput | unknown): ValidatedClusterInput {
  const parsed = talosClusterInputSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ field: fieldPath(i.path) || '(root)', problem: i.message }));
    throw new ValidationError('Invalid Talos cluster input', details);
  }
  const normalised: ValidatedClusterInput = {
    ...parsed.data,
    kubernetesVersion: parsed.data.kubernetesVersion.replace(/^v/, ''),
    talosVersion: `v${parsed.data.talosVersion.replace(/^v/, '')}`,
  };
  const problems: FieldProblem[] = [];
  checkVersions(normalised, problems);
  checkNetwork(normalised, problems);
  if (problems.length > 0) throw new ValidationError('Inconsistent Talos cluster input', problems);
  return normalised;
}
