/**
 * The chaos stack's processes, each its own child and restartable in place: FerretDB and the
 * Temporal dev server on fixed loopback ports over data files that outlive them, the API
 * (`api/main.ts`) on a fixed port, the worker (`workflows/worker/main.ts`). The agent comes from
 * `startLabAgent`, which already restarts on the same boot port with its saved credential.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findServerBinary } from '../../tools/devservices/find-binary.js';
import { buildFerretDb, buildTemporal } from '../../tools/devservices/go-build.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../../tools/devservices/managed-process.js';
import { ferretDbArgs, probeMongo } from '../../tools/devservices/mongo-server.js';
import { probeTemporal, temporalDevArgs } from '../../tools/devservices/temporal-server.js';
import type { LabAgent } from '../../tools/dev/demo-datacenter.js';

/** The processes the matrix can kill, in the order. */
export const PROCESS_NAMES = ['api', 'worker', 'agent', 'temporal', 'database'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

/** One killable process of the stack. */
export interface ChaosProcess {
  readonly name: ProcessName;
  /** PID of the current child (a new one after each start). */
  readonly pid: number;
  /** Times the child ended without being killed or stopped by us (a crash of its own). */
  readonly selfExits: number;
  /** SIGKILL by PID (no drain), and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again with the same ports, data and environment; resolves once it is ready. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL: the end of the matrix. */
  stop(): Promise<void>;
}

interface Spec {
  name: ProcessName;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  ready: () => Promise<void>;
  readyTimeoutMs?: number;
}

/**
 * A child started from `spec` again on each `start()`. A child that ends by itself (not by our
 * kill or stop) is counted and started again after a second, as a process supervisor would.
 */
export function restartable(spec: Spec): ChaosProcess {
  let current: ManagedProcess | undefined;
  let expectedExit = false;
  let selfExits = 0;
  let stopped = false;
  const spawnOnce = (): ManagedProcess => {
    const child = startProcess(spec.name, spec.command, spec.args, { logFile: spec.logFile, env: spec.env });
    expectedExit = false;
    current = child;
    void child.exited.then(() => {
      if (current !== child || expectedExit || stopped) return;
      selfExits += 1;
      setTimeout(() => {
        if (current === child && !stopped) void self.start().catch(() => undefined);
      }, 1_000);
    });
    return child;
  };
  const self: ChaosProcess = {
    name: spec.name,
    get pid() {
      return current?.pid ?? -1;
    },
    get selfExits() {
      return selfExits;
    },
    async kill() {
      const child = current;
      if (!child) return;
      expectedExit = true;
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await child.exited;
      await child.stop(); // closes its log stream
    },
    async start() {
      const child = spawnOnce();
      await waitUntilReady(child, spec.ready, spec.readyTimeoutMs ?? 60_000);
    },
    async stop() {
      stopped = true;
      expectedExit = true;
      await current?.stop(10_000);
    },
  };
  return self;
}

const TSX_MAIN = (path: string): string[] => ['--import', 'tsx', fileURLToPath(new URL(path, import.meta.url))];

/** FerretDB over SQLite files in `dir`, on `port`. */
export async function databaseProcess(dir: string, port: number): Promise<ChaosProcess> {
  const binary = findServerBinary('ferretdb') ?? (await buildFerretDb((l) => console.log(l)));
  const uri = `mongodb://127.0.0.1:${port}/`;
  return restartable({
    name: 'database',
    command: binary,
    args: ferretDbArgs(port, dir),
    logFile: join(dir, 'ferretdb.log'),
    ready: () => probeMongo(uri),
  });
}

/** The Temporal CLI dev server over `dir/temporal.sqlite`, its frontend on `ports.grpc`. */
export async function temporalProcess(
  dir: string,
  ports: { grpc: number; http: number; metrics: number },
): Promise<ChaosProcess> {
  const binary = findServerBinary('temporal') ?? (await buildTemporal((l) => console.log(l)));
  return restartable({
    name: 'temporal',
    command: binary,
    args: temporalDevArgs(ports, join(dir, 'temporal.sqlite')),
    logFile: join(dir, 'temporal.log'),
    ready: () => probeTemporal(`127.0.0.1:${ports.grpc}`),
  });
}

/** The API's production entry point on `apiUrl`'s port; ready once `/healthz` answers. */
export function apiProcess(dir: string, apiUrl: string, env: NodeJS.ProcessEnv): ChaosProcess {
  return restartable({
    name: 'api',
    command: process.execPath,
    args: TSX_MAIN('../../api/main.ts'),
    logFile: join(dir, 'api.log'),
    env: { ...env, RACKPILOT_API_PORT: new URL(apiUrl).port },
    ready: async () => {
      const res = await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) throw new Error(`healthz ${res.status}`);
    },
  });
}

/** The worker's production entry point; ready once it logged that it polls its task queue. */
export function workerProcess(dir: string, env: NodeJS.ProcessEnv): ChaosProcess {
  const logFile = join(dir, 'worker.log');
  let starts = 0;
  return restartable({
    name: 'worker',
    command: process.execPath,
    args: TSX_MAIN('../../workflows/worker/main.ts'),
    logFile,
    env,
    ready: async () => {
      const { readFile } = await import('node:fs/promises');
      const polling = (await readFile(logFile, 'utf8')).split('worker polling').length - 1;
      if (polling <= starts) throw new Error('not polling yet');
      starts = polling;
    },
  });
}

/** The lab agent (`agent/main.ts`) as a {@link ChaosProcess}. */
export function agentProcess(agent: LabAgent): ChaosProcess {
  return {
    name: 'agent',
    get pid() {
      return agent.process.pid;
    },
    selfExits: 0,
    kill: () => agent.kill(),
    // `restart` kills first, by PID and only while its own child lives: after `kill`, nothing.
    start: () => agent.restart(),
    stop: () => agent.stop(),
  };
}
