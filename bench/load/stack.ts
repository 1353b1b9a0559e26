/**
 * The stack `bench:load` measures, laid out as in production: the dev services (FerretDB and the
 * Temporal dev server, or `MONGODB_URI` / `TEMPORAL_ADDRESS` when they name loopback servers),
 * the API (`api/main.ts`) and the worker (`workflows/worker/main.ts`) each as its own process, so
 * the CPU time of each can be read from /proc. The bench keeps a container of its own on the same
 * database for what has no REST route (organizations and their first key, the inserted assets).
 */
import { randomBytes } from 'node:crypto';
import { loadApiConfig } from '../../api/config.js';
import { openContainer, type Container } from '../../api/container.js';
import { createLogger } from '../../shared/logger.js';
import { startDevServices, type DevServices } from '../../tools/devservices/index.js';
import { freePort } from '../../tools/devservices/free-port.js';
import { apiProcess, workerProcess } from '../chaos/processes.js';

/** Per-key limits for the run: high enough that no 429 hides a figure (a real key allows 100/min). */
export const LIFTED_RATE_LIMITS = {
  RACKPILOT_RATE_LIMIT_PER_MINUTE: '1000000000',
  RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000000',
};

/** The running stack. `pids` names every process whose CPU the bench reads. */
export interface LoadStack {
  apiUrl: string;
  container: Container;
  pids: { api: number; worker: number; temporal?: number; database?: number };
}

/** Thrown when a server the bench would talk to is not on 127.0.0.0/8. */
export function assertLoopback(name: string, hostPort: string): void {
  const hosts = hostPort.split(',').map((h) => h.trim().replace(/:\d+$/, ''));
  for (const host of hosts) {
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))
      throw new Error(`${name} names ${host}: bench:load talks to loopback (127.0.0.0/8) only`);
  }
}

/** The host list of a `mongodb://user:pw@h1:p,h2:p/db?…` URI. */
function mongoHosts(uri: string): string {
  return (
    uri
      .replace(/^mongodb(\+srv)?:\/\//, '')
      .replace(/^[^@/]*@/, '')
      .split(/[/?]/)[0] ?? ''
  );
}

/**
 * Starts the stack with its logs in `dir`; every stop it needs is pushed onto `stops` as soon as
 * there is something to stop, so a failure half-way still cleans up what was started.
 */
export async function startLoadStack(dir: string, stops: (() => Promise<void>)[]): Promise<LoadStack> {
  if (process.env.MONGODB_URI) assertLoopback('MONGODB_URI', mongoHosts(process.env.MONGODB_URI));
  if (process.env.TEMPORAL_ADDRESS) assertLoopback('TEMPORAL_ADDRESS', process.env.TEMPORAL_ADDRESS);
  const services: DevServices = await startDevServices({ say: (line) => process.stderr.write(`${line}\n`) });
  stops.push(() => services.stop());
  const suffix = randomBytes(4).toString('hex');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGODB_URI: services.mongoUri,
    TEMPORAL_ADDRESS: services.temporalAddress,
    // Its own database and task queue: a server of the user's (MONGODB_URI, TEMPORAL_ADDRESS) keeps its data.
    RACKPILOT_DB_NAME: `bench_load_${suffix}`,
    RACKPILOT_TASK_QUEUE: `bench-load-${suffix}`,
    RACKPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
    // Production settings: no dev mode (it turns on the response-schema check of every answer);
    // logs at error, so the access log's line per request is not in the figures (as in bench:api).
    RACKPILOT_DEV_MODE: 'false',
    RACKPILOT_VALIDATE_RESPONSES: 'false',
    RACKPILOT_LOG_LEVEL: 'error',
    RACKPILOT_API_HOST: '127.0.0.1',
    RACKPILOT_API_PORT: String(port),
    ...LIFTED_RATE_LIMITS,
  };
  const apiUrl = `http://127.0.0.1:${port}`;
  // The same production entry points and readiness checks as the fault matrix's stack.
  const api = apiProcess(dir, apiUrl, env);
  stops.push(() => api.stop());
  await api.start();
  // The worker logs at info: its one line `worker polling` is the readiness signal.
  const worker = workerProcess(dir, { ...env, RACKPILOT_LOG_LEVEL: 'info' });
  stops.push(() => worker.stop());
  await worker.start();
  const container = await openContainer(loadApiConfig(env), createLogger('bench', { level: 'silent' }));
  stops.push(async () => {
    // The API and the worker first (their stops are idempotent): nothing writes to the database it drops.
    await worker.stop();
    await api.stop();
    await container.db.dropDatabase().catch(() => undefined);
    await container.close();
  });
  const pidOf = (prefix: string) => {
    const line = services.description.find((l) => l.startsWith(prefix));
    const pid = /\bpid (\d+)\b/.exec(line ?? '')?.[1];
    return pid === undefined ? undefined : Number(pid);
  };
  const temporal = pidOf('Temporal:');
  const database = pidOf('MongoDB');
  return {
    apiUrl,
    container,
    pids: {
      api: api.pid,
      worker: worker.pid,
      ...(temporal === undefined ? {} : { temporal }),
      ...(database === undefined ? {} : { database }),
    },
  };
}
