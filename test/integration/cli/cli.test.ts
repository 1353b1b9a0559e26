import { stat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../support/services.js';
import { ApiHarness, type TestApi } from '../api/harness.js';
import { CliHome, type CliResult } from './run-cli.js';

const PASSWORD = 'cli-Secr3t-bmc';
const limits = { RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000', RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000' };

/** The JSON a command printed on stdout, with its output in the failure message. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
function json(result: CliResult): any {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

// The real binary, as a child process, against a real API over the real MongoDB-protocol and
// Temporal servers. No worker polls the API's task queue: discovery workflows are started, then
// terminated at the end.
describe('the rackpilot CLI against a real API', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let home: CliHome;
  let adminKey: string;
  let siteId: string;
  const enrolled: string[] = [];

  beforeAll(async () => {
    await h.open('cli');
    api = await h.start({ env: { ...limits, RACKPILOT_TASK_QUEUE: uniqueName('cli') } });
    adminKey = (await h.organization(api, 'CLI')).adminKey;
    h.secrets.add(PASSWORD);
    siteId = await h.site(api, adminKey, 'cli-site');
    home = await CliHome.create('it');
  });
  afterAll(async () => {
    h.started.push(...enrolled);
    await h.finish(api);
    await home?.remove();
  });

  const rackpilot = (args: string[], env: Record<string, string> = {}) => home.run(args, { env });

  it('exits 2 with a message on a usage error: unknown command, missing option, bad choice', async () => {
    const unknown = await rackpilot(['assets', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");

    const missing = await rackpilot(['keys', 'create', '--name', 'ci']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--role <role>' not specified");

    const choice = await rackpilot(['assets', 'ls', '-o', 'xml']);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('Allowed choices are table, json, yaml');

    const noFile = await rackpilot(['clusters', 'create', '-f', join(home.dir, 'absent.yaml')]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('ENOENT');
  });

  it('exits 3 without credentials, saying how to log in', async () => {
    const res = await rackpilot(['assets', 'ls']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('rackpilot login');
  });

  it('refuses to log in with a bad key: exit 3, the API’s error printed plainly, nothing stored', async () => {
    const res = await rackpilot(['login', '--url', api.url, '--key', `rp_000000000000_${'x'.repeat(40)}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^error: .+\ncode: UNAUTHORIZED\nstatus: 401\ndetails:/m);
    await expect(stat(home.configFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('logs in: the URL and key stored in $XDG_CONFIG_HOME/rackpilot/config.json with mode 0600', async () => {
    const res = await rackpilot(['login', '--url', `${api.url}/`, '--key', adminKey]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Logged in to ${api.url} with key ${adminKey.split('_')[1]}`);
    expect(res.stdout).toMatch(/, admin\); saved to /);
    expect((await stat(home.configFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(home.configFile, 'utf8'))).toEqual({ apiUrl: api.url, apiKey: adminKey });
    // The stored key is used from now on.
    expect(json(await rackpilot(['sites', '-o', 'json'])).sites.map((s: { id: string }) => s.id)).toEqual([siteId]);
  });

  it('creates a key (shown once) and lists keys masked, in JSON and as a table', async () => {
    const created = json(
      await rackpilot(['keys', 'create', '--name', 'ci-pipeline', '--role', 'operator', '-o', 'json']),
    );
    h.secrets.add(created.key);
    expect(created).toMatchObject({ name: 'ci-pipeline', role: 'operator', status: 'active' });
    expect(created.key).toMatch(/^rp_[0-9a-z]{12}_/);

    const listed = json(await rackpilot(['keys', 'ls', '-o', 'json']));
    expect(listed.apiKeys.map((k: { id: string }) => k.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.key);

    const table = await rackpilot(['keys', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+ROLE\s+STATUS\s+KEY/);
    expect(table.stdout).toContain(created.maskedKey);

    // The new key works for the CLI too, through the environment, which wins over the file.
    const asOperator = await rackpilot(['keys', 'ls'], { RACKPILOT_API_KEY: created.key });
    expect(asOperator.code).toBe(3);
    expect(asOperator.stderr).toContain('code: FORBIDDEN');
  });

  it('enrols one asset by flags and shows it with ls and get', async () => {
    const created = json(
      await rackpilot([
        'assets',
        'enrol',
        '--site',
        siteId,
        '--bmc-address',
        '127.0.0.41',
        '--bmc-username',
        'admin',
        '--bmc-password',
        PASSWORD,
        '--bmc-driver',
        'ipmi',
        '--hostname',
        'cli-node-1',
        '--label',
        'rack=r1',
        '-o',
        'json',
      ]),
    );
    enrolled.push(created.workflowId);
    expect(created).toMatchObject({
      hostname: 'cli-node-1',
      status: 'enrolling',
      siteId,
      bmc: { driver: 'ipmi', address: '127.0.0.41', port: 623 },
      labels: { rack: 'r1' },
    });
    expect(JSON.stringify(created)).not.toContain(PASSWORD);

    const got = await rackpilot(['assets', 'get', created.id, '-o', 'yaml']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain(`id: ${created.id}`);
    expect(got.stdout).toContain('hostname: cli-node-1');

    const table = await rackpilot(['assets', 'ls', '--label', 'rack=r1']);
    expect(table.code, table.stderr).toBe(0);
    const [header, row, ...rest] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+HOSTNAME\s+STATUS\s+BMC/);
    expect(row).toMatch(
      new RegExp(`^${created.id}\\s+cli-node-1\\s+(enrolling|discovering)\\s+ipmi 127\\.0\\.0\\.41:623`),
    );
    expect(rest).toEqual([]);
  });

  it('enrols in bulk from CSV and from YAML; an invalid item is reported and exits 3, the rest enrolled', async () => {
    const csv = join(home.dir, 'rack.csv');
    await writeFile(
      csv,
      [
        'hostname,bmc.address,bmc.username,bmc.password,bmc.driver,bmc.port,labels.rack',
        `csv-1,127.0.0.51,admin,${PASSWORD},ipmi,6230,r2`,
        `csv-2,127.0.0.52,admin,${PASSWORD},ipmi,,r2`,
        'csv-3,127.0.0.53,admin,,ipmi,,r2',
      ].join('\n'),
    );
    const bulk = await rackpilot(['assets', 'enrol', '-f', csv, '--site', siteId, '-o', 'json']);
    expect(bulk.code, bulk.stderr).toBe(3);
    expect(bulk.stderr).toContain('1 of 3 assets were not enrolled');
    const body = JSON.parse(bulk.stdout);
    expect(body).toMatchObject({ created: 2, failed: 1 });
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'created', 'invalid']);
    expect(body.results[0].asset).toMatchObject({ hostname: 'csv-1', bmc: { port: 6230 }, labels: { rack: 'r2' } });
    expect(body.results[2].error.details.fields[0].field).toBe('assets.2.bmc.password');
    enrolled.push(...body.results.flatMap((r: { asset: { workflowId: string } | null }) => r.asset?.workflowId ?? []));

    const yaml = join(home.dir, 'rack.yaml');
    await writeFile(
      yaml,
      `- siteId: ${siteId}\n  hostname: yaml-1\n  bmc: { address: 127.0.0.61, username: admin, password: ${PASSWORD}, driver: ipmi }\n`,
    );
    const fromYaml = await rackpilot(['assets', 'enrol', '-f', yaml]);
    expect(fromYaml.code, fromYaml.stderr).toBe(0);
    expect(fromYaml.stdout).toMatch(/^1\s+created\s+ast_[0-9a-f]{16}\s+127\.0\.0\.61/m);
    expect(fromYaml.stdout).toContain('1 enrolled, 0 not');
    const listed = json(await rackpilot(['assets', 'ls', '-o', 'json', '--label', 'rack=r2']));
    expect(listed.assets.map((a: { hostname: string }) => a.hostname).sort()).toEqual(['csv-1', 'csv-2']);
    const all = json(await rackpilot(['assets', 'ls', '-o', 'json']));
    enrolled.push(
      ...all.assets.map((a: { workflowId: string }) => a.workflowId).filter((w: string) => !enrolled.includes(w)),
    );
  });

  it('prints the API’s {error, code, details} plainly and exits 3: not found, validation, bad key', async () => {
    const missing = await rackpilot(['assets', 'get', 'ast_0000000000000000']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error: .+\ncode: ASSET_NOT_FOUND\nstatus: 404\n/m);

    // Colony's rule: an id of any shape that names nothing is not found, not invalid.
    const malformed = await rackpilot(['assets', 'get', 'nonsense']);
    expect(malformed.code).toBe(3);
    expect(malformed.stderr).toMatch(/^error: .+\ncode: ASSET_NOT_FOUND\nstatus: 404\n/m);

    const invalid = await rackpilot(['assets', 'ls', '--site', 'nonsense', '-o', 'json']);
    expect(invalid.code).toBe(3);
    const body = JSON.parse(invalid.stderr);
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(body.details.fields[0]).toMatchObject({ in: 'query', field: 'siteId' });

    const badKey = await rackpilot(['assets', 'ls'], { RACKPILOT_API_KEY: `rp_000000000000_${'y'.repeat(40)}` });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain('code: UNAUTHORIZED');
    expect(badKey.stdout).toBe('');

    const down = await rackpilot(['assets', 'ls'], { RACKPILOT_API_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('code: API_UNREACHABLE');
  });

  it('dry-runs a cluster from a file: the plan with every problem, nothing changed, exit 1', async () => {
    const assets = json(await rackpilot(['assets', 'ls', '-o', 'json'])).assets;
    const file = join(home.dir, 'cluster.yaml');
    await writeFile(
      file,
      [
        'name: cli-dry',
        'type: talos',
        'flavor: talos',
        'gateway: 127.10.0.1',
        'controlPlanes:',
        `  - { assetId: ${assets[0].id}, ip: 127.10.0.160, subnet: "24" }`,
      ].join('\n'),
    );
    const res = await rackpilot(['clusters', 'create', '-f', file, '--dry-run']);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toContain('Valid:');
    expect(res.stdout).toMatch(/controlPlanes\.0\s+ast_/);
    expect(res.stdout).toContain('ASSET_BUSY');
    expect(res.stderr).toContain('nothing was changed');
    expect(json(await rackpilot(['clusters', 'ls', '-o', 'json'])).clusters).toEqual([]);
  });

  it('tails the event stream: `events --count` prints each event as it happens and ends', async () => {
    let opened = false;
    const tail = home.run(['events', '--type', 'workflow.started', '--count', '1', '-o', 'json'], {
      env: { RACKPILOT_API_URL: api.url, RACKPILOT_API_KEY: adminKey },
      onStdout: () => (opened = true),
      timeoutMs: 30_000,
    });
    // The stream only carries what happens after it opened: enrol until the tail has seen one.
    let result: CliResult | undefined;
    void tail.then((r) => (result = r));
    for (let i = 0; i < 20 && !result && !opened; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await api.request('POST', '/api/v1/assets', {
        key: adminKey,
        body: { siteId, bmc: { address: `127.0.0.${70 + i}`, username: 'admin', password: PASSWORD, driver: 'ipmi' } },
      });
      expect(res.status, res.text).toBe(201);
      enrolled.push(res.body.workflowId);
    }
    const done = await tail;
    expect(done.code, done.stderr).toBe(0);
    const event = JSON.parse(done.stdout.trim());
    expect(event).toMatchObject({ type: 'workflow.started', data: { workflowType: 'discovery' } });
    expect(enrolled).toContain(event.data.workflowId);
    expect(event.id).toMatch(/^evt_/);
  });
});
