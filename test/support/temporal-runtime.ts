// Quiets the Temporal SDK's own logging in tests (warnings and errors still show).
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
} catch {
  // Already installed by an earlier file in this worker process.
}
