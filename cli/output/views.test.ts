import { describe, expect, it } from 'vitest';
import type { Asset, ClusterPlan, IssuedApiKey } from '../../client/resources.js';
import { assetList, bulkResult } from './asset-views.js';
import { clusterPlan } from './cluster-views.js';
import { render } from './format.js';
import { keyDetail } from './misc-views.js';
import { bytes, duration, listTable, shortTime } from './table.js';

const asset = (id: string, hostname: string | null): Asset =>
  ({
    id,
    hostname,
    status: 'available',
    ipmi: '10.0.0.1',
    specs: { cpu: '32 cores', ram: '256 GB', disk: '2 × 960 GB' },
    siteId: 'site_1',
    bmc: { driver: 'ipmi', address: '10.0.0.1', port: 623, username: 'admin', cipherSuite: 17, redfish: null },
    labels: {},
    bootMethod: 'pxe',
    inventory: null,
    bmcHardware: null,
    clusterId: null,
    workflowId: null,
    lastError: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }) as Asset;

describe('output', () => {
  it('renders JSON and YAML whole, as the API sent it, and the table view of the command', () => {
    const value = { a: 1, b: [{ c: 'x' }] };
    expect(render(value, 'json', () => 'T')).toBe('{\n  "a": 1,\n  "b": [\n    {\n      "c": "x"\n    }\n  ]\n}\n');
    expect(render(value, 'yaml', () => 'T')).toBe('a: 1\nb:\n  - c: x\n');
    expect(render(value, 'table', () => 'T')).toBe('T\n');
  });

  it('lists in aligned, borderless columns a script can cut, `-` for nothing, and says when there is more', () => {
    const body = { assets: [asset('ast_1', 'node-1'), asset('ast_2', null)], page: 1, perPage: 2, total: 5 };
    expect(assetList(body).split('\n')).toEqual([
      'ID      HOSTNAME   STATUS      BMC                 CPU        RAM      DISK         CLUSTER   SITE',
      'ast_1   node-1     available   ipmi 10.0.0.1:623   32 cores   256 GB   2 × 960 GB   -         site_1',
      'ast_2   -          available   ipmi 10.0.0.1:623   32 cores   256 GB   2 × 960 GB   -         site_1',
      '',
      'showing 2 of 5 (page 1, --page/--per-page)',
    ]);
    expect(listTable([], [{ header: 'X', value: () => 1 }])).toBe('(none)');
  });

  it('shows a bulk enrolment item by item, with the first offending field of an invalid one', () => {
    const text = bulkResult({
      results: [
        { index: 0, status: 'created', asset: { ...asset('ast_1', 'a'), workflowId: 'discovery-ast_1' }, error: null },
        {
          index: 1,
          status: 'invalid',
          asset: null,
          error: {
            error: 'Invalid asset',
            code: 'VALIDATION_FAILED',
            details: {
              fields: [
                { field: 'assets.1.bmc.password', message: 'Required' },
                { field: 'x', message: 'y' },
              ],
            },
          },
        },
      ],
      created: 1,
      failed: 1,
    });
    expect(text).toMatch(/^1\s+created\s+ast_1\s+10\.0\.0\.1\s+discovery-ast_1/m);
    expect(text).toMatch(
      /^2\s+invalid\s+-\s+-\s+-\s+VALIDATION_FAILED: assets\.1\.bmc\.password: Required \(\+1 more\)$/m,
    );
    expect(text.endsWith('1 enrolled, 1 not')).toBe(true);
  });

  it('shows a dry run’s nodes, steps and problems', () => {
    const plan: ClusterPlan = {
      dryRun: true,
      valid: false,
      plan: {
        name: 'c1',
        siteId: 'site_1',
        gateway: '10.0.0.1',
        kubernetesVersion: '1.33.3',
        talosVersion: 'v1.10.6',
        nodes: [
          {
            field: 'controlPlanes.0',
            assetId: 'ast_1',
            role: 'controlplane',
            hostname: 'n1',
            ip: '10.0.0.5',
            subnet: '24',
            installDisk: { wwn: null, serial: 'S1', path: null },
            mac: null,
          },
        ],
        steps: ['Generate Talos configs', 'Provision nodes'],
      },
      problems: [
        { field: 'controlPlanes.0.assetId', code: 'ASSET_BUSY', message: 'Asset ast_1 is wiping, not available' },
      ],
    };
    const text = clusterPlan(plan);
    expect(text).toMatch(/^Valid:\s+no \(1 problem\)$/m);
    expect(text).toMatch(/^ {2}controlPlanes\.0\s+ast_1\s+controlplane\s+n1\s+10\.0\.0\.5\/24\s+serial S1\s+-$/m);
    expect(text).toContain('  1. Generate Talos configs\n  2. Provision nodes');
    expect(text).toMatch(/controlPlanes\.0\.assetId\s+ASSET_BUSY\s+Asset ast_1 is wiping/);
  });

  it('shows an issued key in full once, with the warning', () => {
    const key = {
      id: 'k1',
      name: 'ci',
      role: 'operator',
      siteId: null,
      maskedKey: 'rp_k1_****abcd',
      status: 'active',
      key: 'rp_k1_secret',
    };
    const text = keyDetail(key as unknown as IssuedApiKey);
    expect(text).toMatch(/^Key:\s+rp_k1_secret$/m);
    expect(text).toContain('The key is shown only now: store it.');
  });

  it('writes durations, sizes and times short', () => {
    expect([duration(850), duration(12_340), duration(245_000), duration(null)]).toEqual([
      '850ms',
      '12.3s',
      '4m05s',
      '-',
    ]);
    expect([bytes(512), bytes(960_197_124_096), bytes(4_000_787_030_016)]).toEqual(['512 B', '960 GB', '4.0 TB']);
    expect(bytes(137_438_953_472, true)).toBe('128 GiB');
    expect(shortTime('2026-12-07T07:50:04.123Z')).toBe('2026-12-07 07:50:04');
  });
});
