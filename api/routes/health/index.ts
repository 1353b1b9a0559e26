import Router from '@koa/router';

/** `/healthz`: the process is up and serving. Readiness of dependencies is `/readyz`'s job. */
export function healthRoutes(): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  return router;
}
