import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../shared/logger.js';
import type { QueuedJobSignal } from '../db/queued-job-signal.js';
import { createApp } from './app.js';
import type { ApiConfig } from './config.js';
import { openContainer, type Container } from './container.js';

/** A listening API server and how to drain it. */
export interface RunningApi {
  url: string;
  container: Container;
  stop(): Promise<void>;
}

/**
 * Builds the container, listens on the configured address, and returns how to stop.
 * `queuedJobSignal`: shared with a worker started in the same process (queued-job-signal.ts).
 */
export async function startApi(
  config: ApiConfig,
  log: Logger = createLogger('api', { level: config.logLevel }),
  options: { queuedJobSignal?: QueuedJobSignal } = {},
): Promise<RunningApi> {
  const container = await openContainer(config, log, options);
  const app = createApp(container);
  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.on('error', reject);
    });
  } catch (err) {
    await container.close();
    throw err;
  }
  // Keep-alive longer than typical load balancers' idle timeout, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  log.info({ url, version: container.version }, 'API listening');
  await container.webhookDispatcher.start();
  container.retention.start();
  return {
    url,
    container,
    async stop() {
      // SSE streams never finish on their own: end them first, so draining waits only for real requests.
      await container.eventHub.stop();
      // Stop accepting, let in-flight requests finish (bounded), then close connections.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await container.close();
    },
  };
}
