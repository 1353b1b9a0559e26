import { describe, expect, it } from 'vitest';

import { ErrorCodes, ValidationError } from '../errors.js';
import type { TalosClusterInput, TalosNodeInput } from './cluster-input.js';
import { sampleClusterInput } from './test-helpers.js';
import { validateClusterInput, type FieldProblem } from './validate-cluster-input.js';

/** Runs the validator and returns the problems it reports (fails the test when it accepts). */
function problemsOf(input: unknown): FieldProblem[] {
  try {
    validateClusterInput(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe(ErrorCodes.ValidationFailed);
    expect((err as ValidationError).status).toBe(400);
    return (err as ValidationError).details as FieldProblem[];
  }
  throw new Error('input was accepted');
}

function withNode(index: number, patch: Partial<TalosNodeInput>): TalosClusterInput {
  const input = sampleClusterInput();
  input.nodes = input.nodes.map((n, i) => (i === index ? { ...n, ...patch } : n));
  return input;
}

const fields = (problems: FieldProblem[]) => problems.map((p) => p.field);

describe('validateClusterInput', () => {
  it('accepts the sample cluster and normalises MACs and versions', () => {
    const out = validateClusterInput(sampleClusterInput({ kubernetesVersion: 'v1.33.3', talosVersion: '1.10.6' }));
    expect(out.nodes[0]?.mac).toBe('52:54:00:aa:00:11');
    expect(out.kubernetesVersion).toBe('1.33.3');
    expect(out.talosVersion).toBe('v1.10.6');
  });

  it('refuses a node IP outside the cluster subnet, naming nodes[i].ip', () => {
    const problems = problemsOf(withNode(2, { ip: '127.11.0.21' }));
    expect(problems).toContainEqual({
      field: 'nodes[2].ip',
      problem: '127.11.0.21 is outside the cluster subnet 127.10.0.0/24',
    });
  });

  it('refuses a gateway outside the subnet', () => {
    expect(fields(problemsOf(sampleClusterInput({ gateway: '127.10.1.1' })))).toEqual(['gateway']);
  });

  it('refuses the network and broadcast addresses for nodes and the gateway', () => {
    const problems = problemsOf({ ...withNode(1, { ip: '127.10.0.0' }), gateway: '127.10.0.255' });
    expect(problems).toContainEqual({
      field: 'nodes[1].ip',
      problem: '127.10.0.0 is the network address of 127.10.0.0/24',
    });
    expect(problems).toContainEqual({
      field: 'gateway',
      problem: '127.10.0.255 is the broadcast address of 127.10.0.0/24',
    });
  });

  it('refuses duplicate hostnames, IPs and MACs on the later node', () => {
    const input = sampleClusterInput();
    input.nodes.push({ ...input.nodes[2]!, patches: undefined });
    const problems = problemsOf(input);
    expect(fields(problems)).toEqual(['nodes[3].hostname', 'nodes[3].ip', 'nodes[3].mac']);
    expect(problems[0]?.problem).toBe('duplicate hostname worker-1 (also nodes[2].hostname)');
  });

  it('refuses a node without an install disk', () => {
    expect(problemsOf(withNode(0, { installDisk: {} }))).toEqual([
      { field: 'nodes[0].installDisk', problem: 'an install disk is required (wwn, serial or path)' },
    ]);
  });

  it('refuses a path together with a disk selector, and glob characters in a serial', () => {
    expect(fields(problemsOf(withNode(0, { installDisk: { path: '/dev/sda', wwn: '0x5000' } })))).toEqual([
      'nodes[0].installDisk.path',
    ]);
    expect(fields(problemsOf(withNode(0, { installDisk: { serial: 'S4*' } })))).toEqual([
      'nodes[0].installDisk.serial',
    ]);
  });

  it('refuses a node with neither MAC nor interface name', () => {
    expect(fields(problemsOf(withNode(1, { mac: undefined })))).toEqual(['nodes[1].mac']);
    expect(() => validateClusterInput(withNode(1, { mac: undefined, interface: 'enp1s0' }))).not.toThrow();
  });

  it('refuses a cluster without a control plane, a node on the gateway and a mismatched prefix', () => {
    const input = sampleClusterInput();
    input.nodes = input.nodes.map((n) => ({ ...n, role: 'worker' as const }));
    input.nodes[1] = { ...input.nodes[1]!, ip: '127.10.0.1', prefix: 16 };
    expect(fields(problemsOf(input))).toEqual(['nodes[1].prefix', 'nodes[1].ip', 'nodes']);
  });

  it('refuses a VIP outside the subnet or already in use', () => {
    expect(fields(problemsOf(sampleClusterInput({ vip: '127.10.2.5' })))).toEqual(['vip']);
    expect(problemsOf(sampleClusterInput({ vip: '127.10.0.11' }))).toEqual([
      { field: 'vip', problem: '127.10.0.11 is already used by the gateway or a node' },
    ]);
  });

  it('reports malformed fields by path: bad IP, MAC, hostname, version, Talos older than 1.8', () => {
    const input = withNode(0, { ip: '300.1.1.1', mac: 'zz', hostname: 'CP_1' });
    const problems = problemsOf({ ...input, kubernetesVersion: 'latest' });
    expect(fields(problems).sort()).toEqual(['kubernetesVersion', 'nodes[0].hostname', 'nodes[0].ip', 'nodes[0].mac']);
    expect(problemsOf(sampleClusterInput({ talosVersion: 'v1.7.6' }))).toEqual([
      { field: 'talosVersion', problem: 'Talos v1.7.6 is not supported (need v1.8 or later v1.x)' },
    ]);
  });

  it('refuses a non-object', () => {
    expect(fields(problemsOf(null))).toEqual(['(root)']);
  });
});
