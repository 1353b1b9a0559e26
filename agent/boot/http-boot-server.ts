/**
 * The agent's HTTP boot server: per-machine iPXE scripts by MAC, cached boot artifacts and
 * per-machine Talos machine configs. `createBootApp()` never listens (tests and the daemon bind
 * it); `startBootServer()` does.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ArtifactCache } from './artifact-cache.js';
import type { BootEventSink, BootEventType } from './boot-events.js';
import type { BootPlanRegistry, RegisteredBootPlan } from './boot-plans.js';
import { CONFIG_TOKEN_PATTERN, normaliseBaseUrl, tryNormaliseMac } from './boot-validation.js';
import { errorMiddleware, requestLogMiddleware } from './http-middleware.js';
import { renderChainScript, renderScriptForPlan, type UtilityImage } from './ipxe-script.js';

/** What the boot server needs; every side effect is injected. */
export interface BootServerDeps {
  readonly plans: BootPlanRegistry;
  readonly artifacts: Pick<ArtifactCache, 'open'>;
  readonly utility: UtilityImage;
  /** Base URL machines reach this server at (written into scripts); a function when known only after listen. */
  readonly publicUrl: string | (() => string);
  /** Fetches the Talos machine config of an asset (from the API), on every request: never cached here. */
  readonly fetchMachineConfig: (assetId: string) => Promise<string | Uint8Array>;
  readonly onBootEvent: BootEventSink;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const TEXT = 'text/plain; charset=utf-8';

/** Builds the boot server's Koa app (no `listen`). */
export function createBootApp(deps: BootServerDeps): Koa {
  const now = deps.now ?? (() => new Date());
  const baseUrl = (): string =>
    normaliseBaseUrl(typeof deps.publicUrl === 'function' ? deps.publicUrl() : deps.publicUrl);
  const report = (type: BootEventType, plan: RegisteredBootPlan, detail?: string): void => {
    const event = { type, mac: plan.mac, assetId: plan.assetId, jobId: plan.jobId, at: now().toISOString(), detail };
    deps.logger.info({ bootEvent: event }, 'boot event');
    Promise.resolve()
      .then(() => deps.onBootEvent(event))
      .catch((err: unknown) => deps.logger.error({ err, bootEvent: event }, 'boot event could not be reported'));
  };

  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.type = TEXT;
    ctx.body = 'ok\n';
  });

  router.get('/ipxe', (ctx) => {
    ctx.type = TEXT;
    ctx.set('Cache-Control', 'no-store');
    const raw = ctx.query['mac'];
    if (raw === undefined) {
      ctx.body = renderChainScript(baseUrl());
      return;
    }
    const mac = typeof raw === 'string' ? tryNormaliseMac(raw) : null;
    if (mac === null) throw new ValidationError('Invalid MAC address');
    const plan = deps.plans.get(mac);
    ctx.body = renderScriptForPlan(baseUrl(), plan, deps.utility);
    if (plan) report('ipxe-served', plan, plan.kind);
    else deps.logger.info({ mac }, 'no boot plan for machine; told it to boot from disk');
  });

  router.get('/artifacts/:name', async (ctx) => {
    const opened = await deps.artifacts.open(ctx.params['name'] ?? '');
    if (opened === null) throw new NotFoundError('Artifact not found', undefined, 'ARTIFACT_NOT_FOUND');
    ctx.type = 'application/octet-stream';
    ctx.length = opened.size;
    ctx.body = opened.stream;
    const raw = ctx.query['mac'];
    const plan = typeof raw === 'string' ? deps.plans.get(raw) : undefined;
    if (plan) {
      const name = ctx.params['name'];
      ctx.res.once('finish', () => report('artifact-served', plan, name));
    }
  });

  router.get('/config/:token', async (ctx) => {
    const token = ctx.params['token'] ?? '';
    const plan = CONFIG_TOKEN_PATTERN.test(token) ? deps.plans.getByConfigToken(token) : undefined;
    if (plan === undefined) throw new NotFoundError('Machine config not found', undefined, 'CONFIG_NOT_FOUND');
    const raw = ctx.query['mac'];
    const mac = typeof raw === 'string' ? tryNormaliseMac(raw) : null;
    if (mac !== plan.mac) {
      deps.logger.warn({ assetId: plan.assetId, claimedMac: mac }, 'machine config refused to another MAC');
      throw new ForbiddenError('This machine config belongs to another machine');
    }
    const config = await deps.fetchMachineConfig(plan.assetId);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/yaml';
    ctx.body = typeof config === 'string' ? config : Buffer.from(config);
    report('config-fetched', plan);
  });

  const app = new Koa();
  app.use(errorMiddleware(deps.logger));
  app.use(requestLogMiddleware(deps.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** A running boot server. */
export interface RunningBootServer {
  readonly server: Server;
  readonly port: number;
  /** `http://host:port` of the bound socket. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the boot server on `host:port` (port 0 picks a free port). Without `publicUrl`, scripts
 * point at the bound address.
 */
export async function startBootServer(
  options: { host: string; port: number } & Omit<BootServerDeps, 'publicUrl'> & { publicUrl?: string },
): Promise<RunningBootServer> {
  let boundUrl = '';
  const app = createBootApp({ ...options, publicUrl: options.publicUrl ?? (() => boundUrl) });
  const server = createServer(app.callback());
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  boundUrl = `http://${host}:${port}`;
  options.logger.info({ url: boundUrl }, 'boot HTTP server listening');
  return {
    server,
    port,
    url: boundUrl,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
