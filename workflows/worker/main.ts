// Entry point of the worker process: config → activities → poll; drains on SIGTERM/SIGINT.
import { createLogger } from '../../shared/logger.js';
import { loadWorkerConfig } from './config.js';
import { startWorker } from './worker.js';

const config = loadWorkerConfig();
const log = createLogger('worker', { level: config.logLevel });
const worker = await startWorker(config, log);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'draining');
    void worker.stop().then(() => process.exit(0));
  });
}
