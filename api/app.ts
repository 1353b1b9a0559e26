import Koa from 'koa';
import { NotFoundError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestId } from './middleware/request-id.js';
import { healthRoutes } from './routes/health/index.js';

/** What the app needs from the outside world; built once in main.ts (or by a test). */
export interface AppDeps {
  log: Logger;
}

/** Builds the Koa application. Never listens: main.ts does, tests use `app.callback()` on port 0. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(requestId);
  app.use(errorHandler(deps.log));
  const health = healthRoutes();
  app.use(health.routes());
  app.use(health.allowedMethods());
  app.use((ctx) => {
    throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
  });
  return app;
}
