import type { Client } from '@temporalio/client';
import { payloadKeyFromSettings } from '../../shared/master-key-env.js';
import { rackpilotDataConverter } from '../../workflows/codec/data-converter.js';
import type { ApiConfig } from '../config.js';

/** The API's Temporal client, connected on first use, and how to close it. */
export interface LazyTemporal {
  get(): Promise<Client>;
  close(): Promise<void>;
}

/** The API starts while Temporal is down: the client connects on first use, and again after a failure. */
export function lazyTemporal(config: ApiConfig): LazyTemporal {
  let pending: Promise<Client> | undefined;
  return {
    get(): Promise<Client> {
      // Loaded on first use: the gRPC client is heavy and the CLI and most requests never need it.
      pending ??= import('@temporalio/client')
        .then(async ({ Client, Connection }) => {
          const connection = await Connection.connect({
            address: config.temporalAddress,
            connectTimeout: config.readyTimeoutMs,
          });
          // The same payload encryption as the worker: the API completes activities and starts workflows.
          const dataConverter = rackpilotDataConverter(payloadKeyFromSettings(config));
          return new Client({ connection, namespace: config.temporalNamespace, dataConverter });
        })
        .catch((err: unknown) => {
          pending = undefined;
          throw err;
        });
      return pending;
    },
    async close(): Promise<void> {
      const current = pending;
      pending = undefined;
      if (current) await current.then((client) => client.connection.close()).catch(() => undefined);
    },
  };
}
