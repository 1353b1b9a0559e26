import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './managed-process.js';

/** A running Temporal dev server on loopback. */
export interface TemporalServer {
  readonly address: string;
  readonly namespace: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Resolves once `address` accepts a gRPC connection and describes `namespace`. */
export async function probeTemporal(address: string, namespace = 'default'): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

/** `temporal server start-dev` on loopback: headless, SQLite persistence in `dbFile`, eager activities allowed. */
export function temporalDevArgs(ports: { grpc: number; http: number; metrics: number }, dbFile: string): string[] {
  return [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(ports.grpc),
    '--http-port',
    String(ports.http),
    '--metrics-port',
    String(ports.metrics),
    '--db-filename',
    dbFile,
    '--log-level',
    'warn',
    // The worker runs the workflow's next activity straight from the workflow task's answer
    // (no matching round trip); the SDK asks for it by default, the server must allow it.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
  ];
}

/**
 * Starts `temporal server start-dev` (SQLite persistence, headless, loopback only) on free ports
 * and waits until the default namespace answers.
 */
export async function startTemporalServer(binary: string, dataDir: string): Promise<TemporalServer> {
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const proc = startProcess(
      'temporal',
      binary,
      temporalDevArgs({ grpc: port, http: httpPort, metrics: metricsPort }, join(dataDir, 'temporal.sqlite')),
      { logFile: join(dataDir, 'temporal.log') },
    );
    const address = `127.0.0.1:${port}`;
    try {
      await waitUntilReady(proc, () => probeTemporal(address), 60_000);
      return { address, namespace: 'default', process: proc, stop: () => proc.stop() };
    } catch (err) {
      await proc.stop();
      // A port taken between allocation and bind makes the server exit; try fresh ports.
      if (attempt >= 3) throw err;
    }
  }
}
