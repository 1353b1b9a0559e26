import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../shared/logger.js';
import { createApp } from './app.js';
import type { ApiConfig } from './config.js';

/** A listening API server and how to drain it. */
export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

/** Builds the container, listens on the configured address, and returns how to stop. */
export async function startApi(
  config: ApiConfig,
  log: Logger = createLogger('api', { level: config.logLevel }),
): Promise<RunningApi> {
  const app = createApp({ log });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.on('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  log.info({ url }, 'API listening');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
