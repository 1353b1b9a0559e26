import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headTailRanges } from '../../agent/ssh/wipe-planner.js';
import { readTalosInstall } from '../../lab/machine/talos-install.js';
import { demoClusterRequest } from '../../tools/dev/welcome.js';
import { writeAt } from '../integration/ssh/disk-content.js';
import { expectDiscovered, readBytes, kubectlReadyz, startRestLabStack, type RestLabStack } from './lab-stack.js';
import type { WipeReport } from '../../shared/wipe-report.js';

// Node IPs of this file only: each lab Talos node listens on its IP (50000, 50001, 6443).
const NODE_IPS = ['127.10.0.150', '127.10.0.151', '127.10.0.152'];
const MIB = 1024 * 1024;

/** True when the `length` bytes of `file` at `start` are all zero, compared natively 4 MiB at a time. */
async function allZero(file: string, start: number, length: number): Promise<boolean> {
  const zeros = Buffer.alloc(4 * MIB);
  for (let done = 0; done < length; done += zeros.length) {
    const n = Math.min(zeros.length, length - done);
    if (!(await readBytes(file, start + done, n)).equals(zeros.subarray(0, n))) return false;
  }
  return true;
}

// Issues 9 and 15's acceptance, through the REST API only: site → agent → a rack of mixed BMCs
// (lab-01 IPMI; lab-02 Redfish, enrolled as such with its certificate pinned; lab-03 Redfish,
// enrolled as `detect` and booting from virtual media, never PXE) → discovery → a 3-node Talos cluster (1 control plane, 2 workers) →
// kubectl with the downloaded kubeconfig → delete → every disk of every node really zeroed,
// per-disk reports stored, assets available again.
describe('a 3-node Talos cluster on a simulated datacenter of IPMI and Redfish BMCs, through the REST API', () => {
  let stack: RestLabStack;
  let clusterId: string;

  beforeAll(async () => {
    stack = await startRestLabStack('e2e-rest', {
      machines: 3,
      redfish: ['lab-02', 'lab-03'],
      detect: ['lab-03'],
      virtualMedia: ['lab-03'],
    });
  });
  afterAll(async () => stack?.stop());

  it('registers the site, the agent enrols with its token, and discovery leaves every asset available with inventory', async () => {
    const site = (await stack.call('GET', `/api/v1/sites/${stack.siteId}`)).body;
    expect(site).toMatchObject({ enrolled: true, agent: { online: true } });
    await expectDiscovered(stack);
  });

  it('drives each BMC by its protocol, records what detect found, and keeps what the Redfish BMCs reported', async () => {
    const assets = await Promise.all(
      stack.assetIds.map(async (id) => (await stack.call('GET', `/api/v1/assets/${id}`)).body),
    );
    expect(assets.map((a) => [a.hostname, a.bmc.driver, a.bmc.port])).toEqual([
      ['lab-01', 'ipmi', stack.lab.servers[0]!.bmc.port],
      ['lab-02', 'redfish', stack.lab.servers[1]!.bmc.port],
      ['lab-03', 'redfish', 443],
    ]);
    expect(assets[0].bmcHardware).toBeNull();
    for (const [i, asset] of assets.entries()) {
      if (i === 0) continue;
      const info = stack.lab.servers[i]!;
      // The BMC's own account of the machine agrees with what the booted machine reported.
      expect(asset.bmcHardware.protocol).toBe('redfish');
      expect(asset.bmcHardware.macs).toEqual(expect.arrayContaining([info.macs[0]!.toLowerCase()]));
      expect(asset.bmcHardware.drives.map((d: { serial: string }) => d.serial).sort()).toEqual(
        info.disks.map((d) => d.serial).sort(),
      );
      expect(asset.bmc.redfish.tls.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
    // lab-03 booted its utility OS from the ISO the agent built and its BMC inserted.
    const discovery = (await stack.call('GET', `/api/v1/workflows/${assets[2].workflowId}`)).body;
    const steps = discovery.steps.map((s: { name: string; status: string }) => `${s.name}: ${s.status}`);
    expect(steps).toContain('Boot once from virtual media: completed');
    expect(steps.some((s: string) => s.startsWith('Set one-time PXE boot'))).toBe(false);
    expect(stack.lab.server('lab-03').history.map((e) => e.phase)).toContain('media');
    const detected = await stack.api.container.repositories.events.collection
      .find({ orgId: stack.orgId, type: 'asset.bmc_detected' })
      .toArray();
    expect(detected.map((e) => e.data)).toEqual([
      expect.objectContaining({ assetId: stack.assetIds[2], protocol: 'redfish', port: 443 }),
    ]);
  });

  it('creates the cluster with Colony’s body, polls the workflow to completed, and kubectl reaches /readyz', async () => {
    const body = {
      ...demoClusterRequest({
        assetIds: stack.assetIds,
        lab: { gateway: stack.lab.network.gateway, freeIps: NODE_IPS },
      }),
      name: 'e2e-three',
      credentials: { username: 'colony', password: 'e2e-secret-value' },
    };
    expect(body.controlPlanes).toHaveLength(1);
    expect(body.workers).toHaveLength(2);
    const created = await stack.call('POST', '/api/v1/clusters', body);
    expect(created.status, created.text).toBe(202);
    clusterId = created.body.id;
    expect(created.text).not.toContain('e2e-secret-value');

    const workflow = await stack.waitForWorkflow(created.body.workflowId, ['completed', 'failed'], 180_000);
    expect(workflow.error).toBeNull();
    expect(workflow).toMatchObject({ status: 'completed', progress: 100, type: 'cluster-provision' });

    const cluster = (await stack.call('GET', `/api/v1/clusters/${clusterId}`)).body;
    expect(cluster.status).toBe('ready');
    expect(cluster.nodes.map((n: { role: string }) => n.role).sort()).toEqual(['controlplane', 'worker', 'worker']);
    expect(cluster.nodes.every((n: { assetStatus: string }) => n.assetStatus === 'provisioned')).toBe(true);
    expect(JSON.stringify(cluster)).not.toContain('e2e-secret-value');

    // The workers run Talos with configs that hold no OS CA key: their API certificates came from
    // trustd on the control plane, and the agent's Talos client accepted them.
    const servers = stack.lab.servers.map((s) => stack.lab.server(s.name));
    const [cp, ...workers] = servers;
    expect(servers.map((s) => s.phase)).toEqual(['talos', 'talos', 'talos']);
    expect(cp!.talos!.config.type).toBe('controlplane');
    for (const w of workers) expect(w.talos!.config).toMatchObject({ type: 'worker', osCa: { keyPem: '' } });
    expect(cp!.talos!.trustd!.issued).toBe(2);

    expect(await kubectlReadyz(stack, clusterId)).toBe('ok');
  }, 300_000);

  it('deletes the cluster: every disk of every node zeroed for real, per-disk reports verified, assets available', async () => {
    expect(clusterId).toBeDefined();
    // Data at both ends of every disk, so "zeroed" means the wipe erased it (the install disk also holds Talos).
    for (const info of stack.lab.servers) {
      const server = stack.lab.server(info.name);
      for (const disk of info.disks) {
        await writeAt(server.diskFile(disk.name), 0, Buffer.alloc(MIB, 0xab));
        await writeAt(server.diskFile(disk.name), disk.sizeBytes - MIB, Buffer.alloc(MIB, 0xcd));
      }
    }
    const deleted = await stack.call('DELETE', `/api/v1/clusters/${clusterId}`);
    expect(deleted.status, deleted.text).toBe(202);
    const workflow = await stack.waitForWorkflow(deleted.body.workflowId, ['completed', 'failed'], 180_000);
    expect(workflow.error).toBeNull();
    expect(workflow.status).toBe('completed');
    expect((await stack.call('GET', `/api/v1/clusters/${clusterId}`)).body.status).toBe('deleted');

    for (const [i, assetId] of stack.assetIds.entries()) {
      const info = stack.lab.servers[i]!;
      const server = stack.lab.server(info.name);
      expect((await stack.call('GET', `/api/v1/assets/${assetId}`)).body).toMatchObject({
        status: 'available',
        clusterId: null,
      });
      // The evidence as an operator reads it: the last wipe's per-disk reports over REST.
      const served = await stack.call('GET', `/api/v1/assets/${assetId}/wipe-reports`);
      expect(served.status, served.text).toBe(200);
      const reports = served.body.items as WipeReport[];
      expect(reports.map((r) => r.serial).sort()).toEqual(info.disks.map((d) => d.serial).sort());
      for (const report of reports) {
        expect(report.verification).toMatchObject({
          passed: true,
          headZero: true,
          tailZero: true,
          signaturesFound: [],
        });
        expect(report.error).toBeUndefined();
      }
      for (const disk of info.disks) {
        const { head, tail } = headTailRanges(disk.sizeBytes);
        expect(await allZero(server.diskFile(disk.name), ...head), `${info.name} ${disk.name} head`).toBe(true);
        expect(await allZero(server.diskFile(disk.name), ...tail), `${info.name} ${disk.name} tail`).toBe(true);
        expect(await readTalosInstall(server.diskFile(disk.name))).toBeUndefined();
      }
      expect(server.chassis().power).toBe('off');
    }
  }, 300_000);
});
