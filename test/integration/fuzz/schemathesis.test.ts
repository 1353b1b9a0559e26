import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type * as DnsPromises from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findSchemathesis } from '../../../tools/setup/python-tools.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { uniqueName } from '../../support/services.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

// Webhook host names are resolved at delivery (egress guard). The fuzzer invents host names; none
// of them may leave the machine as a DNS query, so every name but localhost is unknown here.
vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof DnsPromises>();
  const lookup = (hostname: string) =>
    hostname === 'localhost'
      ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
  return { ...real, default: { ...real, lookup }, lookup };
});

/** Test cases per operation and phase: about 2 minutes on 2 cores (api/README.md "Schema fuzzing"). */
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 10);
/** The whole run's bound, well inside the test's timeout. */
const RUN_TIMEOUT_MS = 6 * 60_000;

const HOOKS_FILE = fileURLToPath(new URL('./hooks.py', import.meta.url));

/**
 * Operations left out, each for a reason that is not a bug:
 * - streamEvents: a `text/event-stream` that never ends by design; schemathesis would wait for the
 *   body until its request timeout and report every case as a timeout.
 */
const EXCLUDED_OPERATIONS = ['streamEvents'];

const env = {
  // The fuzzer sends thousands of requests with one key: the per-key limit would answer 429.
  RACKPILOT_RATE_LIMIT_PER_MINUTE: '10000000',
  RACKPILOT_RATE_LIMIT_PER_HOUR: '100000000',
  // Webhooks may reach loopback only (the sink below); nothing else is reachable or resolvable.
  RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  RACKPILOT_WEBHOOK_TIMEOUT_MS: '1000',
  RACKPILOT_WEBHOOK_MAX_ATTEMPTS: '1',
  RACKPILOT_WEBHOOK_POLL_MS: '500',
};

/** A loopback webhook receiver that answers 204 to everything. */
async function startSink(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Runs the schemathesis CLI; resolves with its exit code and its whole output. */
function runSchemathesis(
  binary: string,
  args: string[],
  extraEnv: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        // schemathesis 4 has no telemetry and no upload; this variable silenced 3.x and costs nothing.
        SCHEMATHESIS_TELEMETRY: 'false',
        SCHEMATHESIS_HOOKS: HOOKS_FILE,
        NO_PROXY: '*',
        PYTHONDONTWRITEBYTECODE: '1',
        ...extraEnv,
      },
      // hypothesis and schemathesis keep caches in the working directory (.hypothesis, .schemathesis).
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** The request-validation gaps hooks.py recorded, one line per operation, code and answer. */
function describeGaps(file: string): string {
  if (!existsSync(file)) return '  none';
  const seen = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const gap = JSON.parse(line) as { operation: string; code: string; status: number; response: string };
    const reason =
      /"message":"([^"]{0,80})/.exec(gap.response)?.[1] ?? /"reason":"([^"]{0,80})/.exec(gap.response)?.[1] ?? '';
    const key = `  ${gap.code} ${gap.operation} → ${gap.status} ${reason}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].map(([key, n]) => `${key} (×${n})`).join('\n');
}

describe('schema fuzzing with schemathesis', () => {
  const h = new ApiHarness();
  const schemathesis = findSchemathesis();
  let api: TestApi;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let decoy: { key: string; id: string };
  let agentKey: string;
  let workDir: string;

  beforeAll(async () => {
    if (!schemathesis) throw new Error('schemathesis is not installed: run `npm run setup`');
    workDir = mkdtempSync(join(tmpdir(), 'rackpilot-fuzz-'));
    await h.open('fuzz_schemathesis');
    sink = await startSink();
    // No worker polls this queue: workflows the fuzzer starts stay queued and are terminated at the end.
    api = await h.start({ env: { ...env, RACKPILOT_TASK_QUEUE: uniqueName('fuzz') } });
    await api.container.webhookDispatcher.start();
    org = await h.organization(api, 'Fuzz');
    decoy = await h.key(api, org.adminKey, 'admin');
    await h.key(api, org.adminKey, 'operator');
    await h.key(api, org.adminKey, 'viewer');

    // Something for the `{id}` routes to find: a site, assets, a cluster with its workflow, a webhook.
    const siteId = await h.site(api, org.adminKey, 'fuzz-1');
    // The agent endpoints answer agent keys only: a second site's agent (the admin pass may delete sites).
    const agentSite = await api.request('POST', '/api/v1/sites', { key: org.adminKey, body: { name: 'fuzz-agent' } });
    h.secrets.add(agentSite.body.enrollmentToken);
    const registered = await api.request('POST', '/api/v1/agent/register', {
      body: { enrollmentToken: agentSite.body.enrollmentToken, name: 'fuzz-agent', version: '1.0.0' },
    });
    expect(registered.status, registered.text).toBe(201);
    agentKey = registered.body.apiKey;
    h.secrets.add(agentKey);
    const assets = [1, 2, 3].map((n) =>
      buildAsset({
        orgId: org.orgId,
        siteId,
        state: 'available',
        inventory: sampleInventory(`7${n}`),
        macs: [`52:54:00:f0:00:7${n}`],
      }),
    );
    for (const asset of assets) await api.container.repositories.assets.insert(asset);
    const cluster = await api.request('POST', '/api/v1/clusters', {
      key: org.adminKey,
      body: {
        name: 'fuzz-cluster',
        type: 'civo_stack',
        flavor: 'talos',
        gateway: '192.0.2.1',
        controlPlanes: [{ assetId: assets[0]!._id, ip: '192.0.2.11', subnet: '24' }],
        workers: [{ assetId: assets[1]!._id, ip: '192.0.2.12', subnet: '24' }],
      },
    });
    expect(cluster.status, cluster.text).toBe(202);
    const hook = await api.request('POST', '/api/v1/webhooks', {
      key: org.adminKey,
      body: { url: `${sink.url}/hook`, events: ['asset.*', 'workflow.*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    h.secrets.add(hook.body.secret);
  });

  afterAll(async () => {
    if (api) {
      for (const line of h.logs.lines.filter((l) => /"level":(50|60)/.test(l)))
        console.log(`api error log: ${line.slice(0, 600)}`);
      // Every workflow of the run (the seeded cluster's and what the fuzzer started) is ended.
      const rows = await api.container.repositories.workflows.collection.find({}, { projection: { _id: 1 } }).toArray();
      h.started.push(...rows.map((r: { _id: string }) => r._id));
      await h.finish(api);
    }
    await new Promise<void>((resolve) => (sink ? sink.server.close(() => resolve()) : resolve()));
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * Runs schemathesis over the served document with `key`; fails with its report on any failure but
   * the request-validation gaps hooks.py records (printed, grouped by operation).
   */
  async function fuzz(label: string, key: string, select: string[]): Promise<void> {
    const args = [
      'run',
      `${api.url}/api/v1/openapi.json`,
      '--checks',
      'all',
      '--header',
      `Authorization: Bearer ${key}`,
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      process.env.FUZZ_SEED ?? '1',
      // One worker: schemathesis's threads share CPython 3.11's per-interpreter AST recursion
      // counter (hypothesis parses lambdas' source to describe filters), and two threads parsing at
      // once fail the run with "SystemError: AST constructor recursion depth mismatch" (CPython
      // gh-106905) — a CI failure on a run where every test case had passed.
      '--workers',
      '1',
      '--request-timeout',
      '10',
      '--generation-database',
      'none',
      // No --report: nothing is written or uploaded; the console output below is the report.
      '--no-color',
      ...select,
    ];
    const gapsFile = join(workDir, `gaps-${label.replace(/\W+/g, '-')}.jsonl`);
    const run = await runSchemathesis(
      schemathesis!,
      args,
      {
        FUZZ_OWN_KEY_ID: org.adminKeyId,
        FUZZ_DECOY_KEY_ID: decoy.id,
        FUZZ_GAPS_FILE: gapsFile,
      },
      workDir,
    );
    console.log(`schemathesis (${label}) request-validation gaps (not failures):\n${describeGaps(gapsFile)}`);
    // The failures (operation, check, response, a reproducing curl) and the summary come last.
    const report = run.output.slice(-20_000);
    const summary = report.slice(report.lastIndexOf('=== SUMMARY'));
    console.log(`schemathesis (${label}): exit ${run.code} in ${Math.round(run.ms / 1000)} s\n${summary}`);
    expect(run.code, `schemathesis (${label}) found failures:\n${report}`).toBe(0);
  }

  it(
    'finds no server error and no response that breaks the document on the agent endpoints, with an agent key',
    async () => {
      await fuzz('agent key', agentKey, ['--include-path-regex', '^/api/v1/agent/']);
    },
    RUN_TIMEOUT_MS + 60_000,
  );

  it(
    'finds no server error and no response that breaks the document on every operation, with an admin key',
    async () => {
      await fuzz(
        'admin key',
        org.adminKey,
        EXCLUDED_OPERATIONS.flatMap((id) => ['--exclude-operation-id', id]),
      );
    },
    RUN_TIMEOUT_MS + 60_000,
  );
});
