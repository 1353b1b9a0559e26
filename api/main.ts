// Entry point of the API process: config → container → listen; drains on SIGTERM/SIGINT.
import { ConfigError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { loadApiConfig } from './config.js';
import { startApi } from './server.js';

const boot = createLogger('api');
try {
  const config = loadApiConfig();
  const log = createLogger('api', { level: config.logLevel });
  const api = await startApi(config, log);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      void api.stop().then(() => process.exit(0));
    });
  }
} catch (err) {
  if (err instanceof ConfigError) boot.fatal({ problems: err.details }, err.message);
  else boot.fatal({ err }, 'start-up failed');
  process.exit(1);
}
