/**
 * The whole product against a simulated datacenter, driven the way a user drives it: REST with an
 * API key. API + worker + Temporal in this process; the agent as its own process (production entry
 * point); lab servers behind real ipmi_sim BMCs booting from that agent.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { startLab, type Lab, type LabOptions, type LabView } from '../../lab/lab.js';
import { enrolLabServers, startLabAgent, type LabAgent } from '../../tools/dev/demo-datacenter.js';
import { ApiHarness, type TestApi, type TestResponse } from '../integration/api/harness.js';
import { startWorkerFor } from '../support/api-worker.js';
import { uniqueName } from '../support/services.js';

/** A running REST-driven stack; `stop()` ends everything it started. */
export interface RestLabStack<L extends LabView = Lab> {
  api: TestApi;
  harness: ApiHarness;
  orgId: string;
  siteId: string;
  lab: L;
  agent: LabAgent;
  assetIds: string[];
  dir: string;
  /** A request with the organization's admin key. */
  call(method: string, path: string, body?: unknown): Promise<TestResponse>;
  /** Polls `GET /api/v1/workflows/{id}` until its status is one of `done`; returns the last body. */
  waitForWorkflow(
    workflowId: string,
    done?: string[],
    timeoutMs?: number,
    onPoll?: (body: TestResponse['body']) => Promise<void> | void,
  ): Promise<TestResponse['body']>;
  stop(): Promise<void>;
}

/** Reads `length` bytes at `offset` of a file. */
export async function readBytes(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Starts the lab machines and the site's agent that boots them; returns both (the stack stops them). */
export type LabStarter<L extends LabView> = (context: {
  apiUrl: string;
  enrollmentToken: string;
  dir: string;
  stops: (() => Promise<void>)[];
}) => Promise<{ lab: L; agent: LabAgent }>;

/** The simulated lab: the agent on loopback first, then the servers booting from it. */
function simulatedLab(options: {
  machines: number;
  faults?: LabOptions['faults'];
  redfish?: LabOptions['redfish'];
}): LabStarter<Lab> {
  return async ({ apiUrl, enrollmentToken, dir, stops }) => {
    const agent = await startLabAgent({ apiUrl, enrollmentToken, dir });
    stops.push(() => agent.stop());
    const lab = await startLab({
      machines: options.machines,
      bootServerUrl: agent.bootServerUrl,
      delays: { post: 0, boot: 0, install: 0 },
      faults: options.faults,
      redfish: options.redfish,
      dir: join(dir, 'lab'),
    });
    stops.push(() => lab.stop());
    return { lab, agent };
  };
}

/**
 * Registers a site (`POST /api/v1/sites`), starts its agent with the one-time token, starts a lab
 * of `machines` servers (no boot delays; or the lab `startLab` gives) and enrols every BMC
 * (`POST /api/v1/assets`), which starts discovery. Resolves once the agent is online; discovery is
 * still running.
 */
export async function startRestLabStack(
  name: string,
  options: {
    machines: number;
    faults?: LabOptions['faults'];
    /** Machines whose BMC speaks Redfish (the others IPMI). */
    redfish?: LabOptions['redfish'];
    /** Machines enrolled with driver `detect` rather than their own protocol. */
    detect?: readonly string[];
    /** Machines enrolled with bootMethod `virtual-media` (Redfish ones). */
    virtualMedia?: readonly string[];
    env?: Record<string, string>;
  },
): Promise<RestLabStack>;
export async function startRestLabStack<L extends LabView>(
  name: string,
  options: { machines: number; env?: Record<string, string>; startLab: LabStarter<L> },
): Promise<RestLabStack<L>>;
export async function startRestLabStack<L extends LabView>(
  name: string,
  options: {
    machines: number;
    faults?: LabOptions['faults'];
    redfish?: LabOptions['redfish'];
    detect?: readonly string[];
    virtualMedia?: readonly string[];
    env?: Record<string, string>;
    startLab?: LabStarter<L>;
  },
): Promise<RestLabStack<L>> {
  const harness = new ApiHarness();
  await harness.open(name);
  // The tests poll workflows and assets as an operator's script would, several per second: the
  // per-key limit of 100/min (its own tests live elsewhere) once cut a slow delete's check short.
  const api = await harness.start({
    env: {
      RACKPILOT_TASK_QUEUE: uniqueName(name),
      RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000',
      RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000',
      ...options.env,
    },
  });
  const worker = await startWorkerFor(api.container);
  const { orgId, adminKey } = await harness.organization(api, name);
  const call = (method: string, path: string, body?: unknown) =>
    api.request(method, path, { key: adminKey, ...(body !== undefined ? { body } : {}) });
  const dir = await mkdtemp(join(tmpdir(), `rackpilot-${name}-`));
  const stops: (() => Promise<void>)[] = [
    () => rm(dir, { recursive: true, force: true }),
    () => harness.close(),
    () => worker.stop(),
  ];
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const site = await call('POST', '/api/v1/sites', { name: `lab-${name}`.slice(0, 63) });
    expect(site.status, site.text).toBe(201);
    const starter = (options.startLab ?? simulatedLab(options)) as LabStarter<L>;
    const { lab, agent } = await starter({ apiUrl: api.url, enrollmentToken: site.body.enrollmentToken, dir, stops });
    const assetIds = await enrolLabServers(
      lab,
      async (body) => {
        const res = await call('POST', '/api/v1/assets', body);
        expect(res.status, res.text).toBe(201);
        return res.body.id as string;
      },
      site.body.id,
      {
        detect: (server) => options.detect?.includes(server.name) === true,
        virtualMedia: (server) => options.virtualMedia?.includes(server.name) === true,
      },
    );
    await until(`agent of ${site.body.id} online`, 60_000, async () => {
      const res = await call('GET', `/api/v1/sites/${site.body.id}`);
      return res.body.enrolled === true && res.body.agent.online === true;
    });
    return {
      api,
      harness,
      orgId,
      siteId: site.body.id,
      lab,
      agent,
      assetIds,
      dir,
      call,
      async waitForWorkflow(workflowId, done = ['completed', 'failed', 'cancelled'], timeoutMs = 120_000, onPoll) {
        let last: TestResponse['body'];
        await until(`workflow ${workflowId} ${done.join('|')}`, timeoutMs, async () => {
          const res = await call('GET', `/api/v1/workflows/${workflowId}`);
          last = res.body;
          await onPoll?.(last);
          return res.status === 200 && done.includes(last.status);
        });
        return last;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `check` every 250 ms until it returns true; thrown after `timeoutMs` naming `what`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until every asset has left discovery; asserts each is `available` with an inventory (REST view). */
export async function expectDiscovered(stack: RestLabStack<LabView>, timeoutMs = 120_000): Promise<void> {
  await until('discovery of every asset', timeoutMs, async () => {
    const states = await Promise.all(
      stack.assetIds.map(async (id) => (await stack.call('GET', `/api/v1/assets/${id}`)).body.status as string),
    );
    return states.every((s) => s === 'available' || s === 'error');
  });
  for (const [i, id] of stack.assetIds.entries()) {
    const asset = (await stack.call('GET', `/api/v1/assets/${id}`)).body;
    const server = stack.lab.servers[i]!;
    expect(asset.status, JSON.stringify(asset.lastError)).toBe('available');
    expect(asset.inventory.disks.map((d: { serial: string }) => d.serial).sort()).toEqual(
      server.disks.map((d) => d.serial).sort(),
    );
  }
}

/**
 * Downloads the cluster's kubeconfig through the REST API and asks the lab's Kubernetes endpoint
 * `/readyz` with it, through the real `kubectl`; returns what kubectl printed.
 */
export async function kubectlReadyz(stack: RestLabStack<LabView>, clusterId: string): Promise<string> {
  const kubeconfig = await stack.call('GET', `/api/v1/clusters/${clusterId}/kubeconfig`);
  expect(kubeconfig.status, kubeconfig.text).toBe(200);
  const file = join(stack.dir, 'kubeconfig');
  await writeFile(file, kubeconfig.text, { mode: 0o600 });
  // Asynchronously: the lab's Kubernetes endpoint is served by this very process.
  const readyz = await promisify(execFile)('kubectl', ['--kubeconfig', file, 'get', '--raw', '/readyz'], {
    timeout: 30_000,
  });
  return readyz.stdout.trim();
}
