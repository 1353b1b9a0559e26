// `npm start`: the whole stack on this machine — real Temporal and MongoDB-protocol servers
// (yours via TEMPORAL_ADDRESS / MONGODB_URI, else started here), the API and the worker.
// Ctrl-C stops everything this command started, and nothing else.
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadApiConfig } from '../../api/config.js';
import { startApi } from '../../api/server.js';
import { createLogger } from '../../shared/logger.js';
import { loadWorkerConfig } from '../../workflows/worker/config.js';
import { startWorker } from '../../workflows/worker/worker.js';
import { startDevServices } from '../devservices/index.js';

const log = createLogger('dev');
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
});

const services = await startDevServices({ say: (line) => log.info(line) });
for (const line of services.description) log.info(line);
const env = {
  ...process.env,
  MONGODB_URI: services.mongoUri,
  TEMPORAL_ADDRESS: services.temporalAddress,
  RACKPILOT_DEV_MODE: process.env.RACKPILOT_DEV_MODE ?? 'true',
};
const stops: (() => Promise<void>)[] = [() => services.stop()];
try {
  const apiConfig = loadApiConfig(env);
  const api = await startApi(apiConfig, createLogger('api', { level: apiConfig.logLevel }));
  stops.unshift(() => api.stop());
  const workerConfig = loadWorkerConfig(env);
  const worker = await startWorker(workerConfig, createLogger('worker', { level: workerConfig.logLevel }));
  stops.unshift(() => worker.stop());
  log.info(`Rackpilot is up. API: ${api.url} (try: curl ${api.url}/healthz). Ctrl-C stops everything.`);
} catch (err) {
  log.error({ err }, 'start-up failed; stopping what was started');
  await shutdown(1);
}

async function shutdown(code: number): Promise<never> {
  for (const stop of stops) await stop().catch((err: unknown) => log.error({ err }, 'stop failed'));
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'stopping');
    void shutdown(0);
  });
}
