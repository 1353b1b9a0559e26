/**
 * The lab stack of the fault matrix: database, Temporal, API, worker and agent each its own
 * process (so one can be SIGKILLed and started again in place), a lab of servers in this process,
 * an organization and its admin key, a site and its enrolled, discovered assets.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLab, type Lab, type LabOptions } from '../../lab/lab.js';
import { startTcpProxy, type TcpProxy } from '../../lab/net/tcp-proxy.js';
import { enrolLabServers, startLabAgent } from '../../tools/dev/demo-datacenter.js';
import { freePort } from '../../tools/devservices/free-port.js';
import {
  agentProcess,
  apiProcess,
  databaseProcess,
  temporalProcess,
  workerProcess,
  type ChaosProcess,
  type ProcessName,
} from './processes.js';

/** An answer of the API, or undefined when it could not be reached (it may be the process killed). */
export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of many shapes, read by field
  text: string;
}

/** A running chaos stack. */
export interface ChaosStack {
  dir: string;
  apiUrl: string;
  siteId: string;
  lab: Lab;
  assetIds: string[];
  /** The killable processes by name; `database` and `temporal` only when this stack started them. */
  processes: Partial<Record<ProcessName, ChaosProcess>>;
  /** The agent's only way to the API: cut it to take the site off the network. */
  apiLink: TcpProxy;
  /** A request with the admin key; undefined when the API did not answer (within 10 s). */
  call(method: string, path: string, body?: unknown): Promise<Answer | undefined>;
  /** Stops every process; `keepDir` leaves the logs and the data files (Temporal's SQLite) behind. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

/** Options of {@link startChaosStack}. */
export interface ChaosStackOptions {
  machines: number;
  /** Use these servers (e.g. the test run's) instead of starting killable ones. */
  services?: { mongoUri: string; temporalAddress: string };
  faults?: LabOptions['faults'];
  /** Extra environment of the API and the worker. */
  env?: Record<string, string>;
  say?: (line: string) => void;
}

/** Starts everything, enrols the lab and waits until discovery has finished (every asset `available`). */
export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const say = options.say ?? ((line: string) => console.log(line));
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-chaos-'));
  let keepDir = false;
  const stops: (() => Promise<void>)[] = [
    async () => {
      if (!keepDir) await rm(dir, { recursive: true, force: true });
    },
  ];
  const stop = async (options: { keepDir?: boolean } = {}): Promise<void> => {
    keepDir = options.keepDir === true;
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  const processes: ChaosStack['processes'] = {};
  const begin = async (p: ChaosProcess): Promise<void> => {
    processes[p.name] = p;
    stops.push(() => p.stop());
    await p.start();
    say(`  ${p.name} started (pid ${p.pid})`);
  };
  try {
    let { mongoUri, temporalAddress } = options.services ?? { mongoUri: '', temporalAddress: '' };
    if (!options.services) {
      const dbDir = join(dir, 'ferretdb');
      await mkdir(dbDir, { recursive: true });
      const dbPort = await freePort();
      await begin(await databaseProcess(dbDir, dbPort));
      mongoUri = `mongodb://127.0.0.1:${dbPort}/`;
      const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort() };
      await begin(await temporalProcess(dir, ports));
      temporalAddress = `127.0.0.1:${ports.grpc}`;
    }
    say(`  database ${mongoUri}, Temporal ${temporalAddress}`);
    const apiUrl = `http://127.0.0.1:${await freePort()}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGODB_URI: mongoUri,
      TEMPORAL_ADDRESS: temporalAddress,
      RACKPILOT_DB_NAME: `chaos_${randomBytes(3).toString('hex')}`,
      RACKPILOT_TASK_QUEUE: `chaos-${randomBytes(3).toString('hex')}`,
      RACKPILOT_DEV_MODE: 'true',
      // One key for both processes, as production's config gives them (dev mode would derive one).
      RACKPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
      RACKPILOT_LOG_LEVEL: 'info',
      RACKPILOT_RATE_LIMIT_PER_MINUTE: '1000000',
      RACKPILOT_RATE_LIMIT_PER_HOUR: '10000000',
      ...options.env,
    };
    const key = await bootstrap(env);
    await begin(apiProcess(dir, apiUrl, env));
    await begin(workerProcess(dir, env));

    const call = (method: string, path: string, body?: unknown) => request(apiUrl, key, method, path, body);
    const site = await call('POST', '/api/v1/sites', { name: `chaos-${randomBytes(3).toString('hex')}` });
    if (site?.status !== 201) throw new Error(`site: ${site?.status} ${site?.text}`);
    const apiLink = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(apiUrl).port) });
    stops.push(() => apiLink.close());
    const agent = await startLabAgent({ apiUrl: apiLink.url, enrollmentToken: site.body.enrollmentToken, dir });
    processes.agent = agentProcess(agent);
    stops.push(() => agent.stop());
    say(`  agent started (pid ${agent.process.pid})`);
    const lab = await startLab({
      machines: options.machines,
      bootServerUrl: agent.bootServerUrl,
      delays: { post: 0, boot: 0, install: 0 },
      faults: options.faults,
      dir: join(dir, 'lab'),
    });
    stops.push(() => lab.stop());
    const assetIds = await enrolLabServers(
      lab,
      async (body) => {
        const res = await call('POST', '/api/v1/assets', body);
        if (res?.status !== 201) throw new Error(`enrol: ${res?.status} ${res?.text}`);
        return res.body.id as string;
      },
      site.body.id,
    );
    await poll('discovery of every asset', 300_000, async () => {
      const states = await Promise.all(assetIds.map(async (id) => (await call('GET', `/api/v1/assets/${id}`))?.body));
      if (states.some((a) => a?.status === 'error')) throw new Error(`discovery failed: ${JSON.stringify(states)}`);
      return states.every((a) => a?.status === 'available');
    });
    say(`  ${assetIds.length} assets discovered; logs in ${dir}`);
    return { dir, apiUrl, siteId: site.body.id, lab, assetIds, processes, apiLink, call, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Creates the organization and its admin key through the API's own bootstrap command; returns the key. */
async function bootstrap(env: NodeJS.ProcessEnv): Promise<string> {
  const cli = fileURLToPath(new URL('../../api/cli/bootstrap.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', cli, '--name', 'chaos', '--force-new-org'],
    { env, timeout: 60_000 },
  );
  const key = /^\s+(\S+)\s*$/m.exec(stdout)?.[1];
  if (!key) throw new Error(`bootstrap printed no key: ${stdout}`);
  return key;
}

async function request(
  apiUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer | undefined> {
  try {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (a kubeconfig)
    }
    return { status: res.status, body: parsed, text };
  } catch {
    return undefined;
  }
}

/** Polls `check` every 500 ms until it returns true; thrown after `timeoutMs` naming `what`. */
export async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
