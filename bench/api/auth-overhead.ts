// `npm run bench:api`: requests per second of an authenticated GET against an unauthenticated
// route, in one run, same app, same process setup (autocannon in a child process, load.ts; the API
// in this one; the MongoDB-protocol server from the dev services). Target: authenticated ≥ 60 %.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { MongoClient } from 'mongodb';
import { z } from 'zod';
import { createApp } from '../../api/app.js';
import { loadApiConfig } from '../../api/config.js';
import { createContainer } from '../../api/container.js';
import { reply } from '../../api/http/define-route.js';
import type { RouteModule } from '../../api/routes/index.js';
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import { createLogger } from '../../shared/logger.js';
import { startDevServices } from '../../tools/devservices/index.js';
import { BUSY_LOAD, machineLoad } from '../bench-env.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const LOAD_SCRIPT = fileURLToPath(new URL('./load.ts', import.meta.url));
const run = promisify(execFile);

/** The same tiny handler, public and behind authenticate + rate limit + role check. */
const benchRoutes: RouteModule = ({ route }) => {
  const doc = {
    tags: ['bench'],
    responses: { 200: { description: 'ok', schema: z.strictObject({ ok: z.literal(true) }) } },
  };
  route(
    { ...doc, method: 'get', path: '/bench/public', operationId: 'benchPublic', summary: 'public', auth: 'none' },
    () => reply(200, { ok: true }),
  );
  route(
    {
      ...doc,
      method: 'get',
      path: '/bench/authed',
      operationId: 'benchAuthed',
      summary: 'authed',
      roles: ['viewer', 'admin'],
    },
    () => reply(200, { ok: true }),
  );
};

async function listen(app: Koa): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Sample {
  rps: number;
  p99: number;
  non2xx: number;
  /** CPU time of the API process per answered request, in µs (insensitive to other load on the machine). */
  cpuUs: number;
}

/** Measures one target with autocannon in a child process, and this process's CPU time meanwhile. */
async function measure(url: string, keys: string[] = []): Promise<Sample> {
  const args = JSON.stringify({ url, connections: CONNECTIONS, seconds: SECONDS, keys });
  const cpuBefore = process.cpuUsage();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, args], { maxBuffer: 1 << 20 });
  const cpu = process.cpuUsage(cpuBefore);
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    rps: number;
    total: number;
    p99: number;
    non2xx: number;
  };
  return {
    rps: result.rps,
    p99: result.p99,
    non2xx: result.non2xx,
    cpuUs: (cpu.user + cpu.system) / Math.max(1, result.total),
  };
}

const services = await startDevServices({ say: (line) => process.stderr.write(`${line}\n`) });
const client = await MongoClient.connect(services.mongoUri);
const db = client.db(`bench_${randomBytes(4).toString('hex')}`);
const log = createLogger('api', { level: 'silent' });
const env = {
  MONGODB_URI: services.mongoUri,
  TEMPORAL_ADDRESS: services.temporalAddress,
  RACKPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
  // The limits would stop the load after 100 requests; the reservation path is what is measured.
  RACKPILOT_RATE_LIMIT_PER_MINUTE: '1000000000',
  RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000000',
};
const variants = {
  'cache 5 s, batched counter': { env: {}, maxBatch: 100 },
  'no key cache': { env: { RACKPILOT_AUTH_CACHE_TTL_MS: '0' }, maxBatch: 100 },
  'counter write per request': { env: {}, maxBatch: 1 },
};
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const closers: (() => Promise<void>)[] = [];
try {
  const bare = new Koa();
  bare.use((ctx) => {
    ctx.body = { ok: true };
  });
  const bareServer = await listen(bare);
  closers.push(bareServer.close);
  const targets: [string, string, string[]][] = [['bare Koa app, no middleware', `${bareServer.url}/`, []]];
  for (const [name, variant] of Object.entries(variants)) {
    const config = loadApiConfig({ ...env, ...variant.env });
    const container = createContainer({ config, log, db, rateLimitMaxBatch: variant.maxBatch });
    await container.ensureIndexes();
    const server = await listen(createApp(container, { extraModules: [benchRoutes] }));
    closers.push(server.close, container.close);
    const { apiKey } = await bootstrapOrganization(container, { name: 'bench', allowAdditional: true });
    const auth = [apiKey];
    if (name.startsWith('cache')) {
      targets.push(['public route, full middleware', `${server.url}/bench/public`, []]);
      targets.push([`authenticated route (${name})`, `${server.url}/bench/authed`, auth]);
      targets.push(['GET /api/v1/api-keys (auth + list query)', `${server.url}/api/v1/api-keys`, auth]);
    } else {
      targets.push([`authenticated route (${name})`, `${server.url}/bench/authed`, auth]);
    }
  }
  // Rounds interleave every target, so load from other processes hits all of them alike.
  const before = machineLoad();
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, url, keys] of targets)
      samples.set(name, [...(samples.get(name) ?? []), await measure(url, keys)]);
  }
  const med = (name: string, pick: (s: Sample) => number) => median((samples.get(name) ?? []).map(pick));
  const PUBLIC = 'public route, full middleware';
  const AUTHED = 'authenticated route (cache 5 s, batched counter)';
  const BARE = 'bare Koa app, no middleware';
  const rows = [
    '| target | req/s | p99 ms | API CPU µs/req | req/s vs public | capacity vs public (CPU) | capacity vs bare Koa (CPU) | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  // On a busy machine the ratios measure the neighbours: withheld unless asked for, then flagged.
  const after = machineLoad();
  const busy = before.busy || after.busy;
  const showRatios = !busy || process.env.BENCH_ALLOW_BUSY === '1';
  const pct = (x: number) => (showRatios ? `${Math.round(100 * x)} %${busy ? ' †' : ''}` : 'n/a (busy)');
  for (const [name, list] of samples) {
    const cpu = med(name, (s) => s.cpuUs);
    rows.push(
      `| ${name} | ${Math.round(med(name, (s) => s.rps))} | ${med(name, (s) => s.p99)} | ${Math.round(cpu)} | ` +
        `${pct(med(name, (s) => s.rps) / med(PUBLIC, (s) => s.rps))} | ${pct(med(PUBLIC, (s) => s.cpuUs) / cpu)} | ` +
        `${pct(med(BARE, (s) => s.cpuUs) / cpu)} | ${list.reduce((n, s) => n + s.non2xx, 0)} |`,
    );
  }
  const load = `${before.load1.toFixed(1)} before, ${after.load1.toFixed(1)} after`;
  const capacity = pct(med(PUBLIC, (s) => s.cpuUs) / med(AUTHED, (s) => s.cpuUs));
  const capacityBare = pct(med(BARE, (s) => s.cpuUs) / med(AUTHED, (s) => s.cpuUs));
  const warning = !busy
    ? ''
    : showRatios
      ? `\n† machine busy (1-min load average ≥ ${BUSY_LOAD}): these ratios are not comparable with a quiet run\n`
      : `\nmachine busy (1-min load average ≥ ${BUSY_LOAD}): ratios withheld; rerun on a quiet machine, or set BENCH_ALLOW_BUSY=1 to print them flagged\n`;
  process.stdout.write(
    `\nmedians of ${ROUNDS} rounds × ${SECONDS} s per target, ${CONNECTIONS} connections, Node ${process.version}, ` +
      `load average (1 min) ${load}\n\n${rows.join('\n')}\n\n` +
      `authenticated route capacity (CPU per request): ${capacity} of the public route, ${capacityBare} of bare Koa ` +
      `(target ≥ 60 %)\n${warning}`,
  );
} finally {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await db.dropDatabase().catch(() => undefined);
  await client.close();
  await services.stop();
}
