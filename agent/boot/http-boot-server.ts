/**
 * The agent's HTTP boot server: per-machine iPXE scripts by MAC, cached boot artifacts and
 * per-machine Talos machine configs. `createBootApp()` never listens (tests and the daemon bind
 * it); `startBootServer()` does.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import { ErrorCodes, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ArtifactCache } from './artifact-cache.js';
import type { BootEvent, BootEventSink, BootEventType } from './boot-events.js';
import type { BootMediaStore } from './boot-media.js';
import type { BootPlanRegistry, RegisteredBootPlan } from './boot-plans.js';
import { CONFIG_TOKEN_PATTERN, normaliseBaseUrl, tryNormaliseMac } from './boot-validation.js';
import { errorMiddleware, requestLogMiddleware } from './http-middleware.js';
import { renderChainScript, renderScriptForPlan, type UtilityImage } from './ipxe-script.js';

/** What the boot server needs; every side effect is injected. */
export interface BootServerDeps {
  readonly plans: BootPlanRegistry;
  readonly artifacts: Pick<ArtifactCache, 'open'>;
  readonly utility: UtilityImage;
  /** Virtual-media boot images (`/media/<token>.iso`); absent: the route answers 404. */
  readonly media?: Pick<BootMediaStore, 'open'>;
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
  const report = (
    type: BootEventType,
    plan: RegisteredBootPlan,
    detail?: string,
    where?: Pick<BootEvent, 'bmcAddress' | 'address'>,
  ): void => {
    const at = now().toISOString();
    const event: BootEvent = { type, mac: plan.mac, assetId: plan.assetId, jobId: plan.jobId, at, detail, ...where };
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

  // A BMC fetches the image it was told to insert; the token in the name is the only key to it.
  router.get('/media/:file', async (ctx) => {
    const opened = deps.media ? await deps.media.open(ctx.params['file'] ?? '') : null;
    if (opened === null) throw new NotFoundError('Boot image not found', undefined, 'MEDIA_NOT_FOUND');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/x-iso9660-image';
    ctx.length = opened.size;
    ctx.body = opened.stream;
    const { assetId, jobId, sha256 } = opened.owner;
    ctx.res.once('finish', () => deps.logger.info({ assetId, jobId, sha256 }, 'boot image served to a BMC'));
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

  // A booted utility OS announces itself here (as Ironic's IPA does with its lookup/heartbeat), so
  // the job waiting for it learns where its SSH server answers.
  router.post('/hello', async (ctx) => {
    const parsed = helloSchema.safeParse(await readJsonBody(ctx.req));
    if (!parsed.success) throw new ValidationError('Invalid hello', z.treeifyError(parsed.error));
    const { mac, bmcAddress, sshAddress } = parsed.data;
    const plan = deps.plans.get(mac);
    if (plan === undefined) throw new NotFoundError('No boot plan for this machine', { mac }, 'BOOT_PLAN_NOT_FOUND');
    report('utility-ready', plan, undefined, { bmcAddress, address: sshAddress });
    ctx.status = 202;
    ctx.body = { accepted: true };
  });

  const app = new Koa();
  app.use(errorMiddleware(deps.logger));
  app.use(requestLogMiddleware(deps.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

const HOST_PORT = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?):(\d{1,5})$/i;

/** Body of `POST /hello`: the utility OS's MAC (the booted NIC), its BMC address if it read one, its SSH `host:port`. */
const helloSchema = z.strictObject({
  mac: z.string().transform((raw, ctx) => {
    const mac = tryNormaliseMac(raw);
    if (mac === null) ctx.addIssue({ code: 'custom', message: 'must be a MAC address' });
    return mac ?? '';
  }),
  bmcAddress: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, 'must be an address')
    .optional(),
  sshAddress: z
    .string()
    .regex(HOST_PORT, 'must be host:port')
    .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port out of range'),
});

/**
 * Reads a small JSON body (at most 4 KiB). A larger body is drained, not destroyed mid-request, so
 * the error answer still reaches the client. Thrown when it is larger or not JSON: `ValidationError`.
 */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const limit = 4096;
  const tooLarge = new ValidationError('Body too large', { limitBytes: limit }, ErrorCodes.PayloadTooLarge);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', resolve);
    req.once('error', reject);
  });
  if (size > limit) throw tooLarge;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('Body is not JSON', undefined, ErrorCodes.InvalidJson);
  }
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
