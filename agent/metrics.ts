/**
 * The agent's Prometheus metrics, on a registry of its own, optionally served on a loopback port
 * (the agent accepts no connection from outside its host).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a job ended, as the agent saw it. */
export type JobOutcome = 'completed' | 'failed' | 'withdrawn' | 'abandoned';

/** The agent's metrics. */
export interface AgentMetrics {
  readonly registry: Registry;
  readonly jobs: Counter<'kind' | 'outcome'>;
  readonly jobDuration: Histogram<'kind' | 'outcome'>;
  readonly apiErrors: Counter<'operation' | 'code'>;
  readonly runningJobs: Gauge;
}

/** Creates the metrics on a fresh registry (with the process's default metrics when `defaults`). */
export function createAgentMetrics(options: { defaults?: boolean } = {}): AgentMetrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry, prefix: 'rackpilot_agent_' });
  return {
    registry,
    jobs: new Counter({
      name: 'rackpilot_agent_jobs_total',
      help: 'Jobs the agent finished, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'rackpilot_agent_job_duration_seconds',
      help: 'Time from claim to completion, failure or withdrawal',
      labelNames: ['kind', 'outcome'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    }),
    apiErrors: new Counter({
      name: 'rackpilot_agent_api_errors_total',
      help: 'Failed calls to the Rackpilot API, by operation and error code',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
    runningJobs: new Gauge({ name: 'rackpilot_agent_running_jobs', help: 'Jobs running now', registers: [registry] }),
  };
}

/** A running metrics endpoint. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on 127.0.0.1:`port` (0 picks one). */
export async function serveMetrics(registry: Registry, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
