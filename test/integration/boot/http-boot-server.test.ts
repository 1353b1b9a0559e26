import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_A, startBootHarness, writeArtifact, type BootHarness } from './boot-harness.js';

const MAC_A = '52:54:00:00:00:0a';
const MAC_B = '52:54:00:00:00:0b';
const CONFIG_A = 'version: v1alpha1\nmachine:\n  type: controlplane\n';

let h: BootHarness;
beforeEach(async () => {
  h = await startBootHarness({ 'asset-a': CONFIG_A });
});
afterEach(async () => {
  await h.close();
});

const get = (path: string) => fetch(`${h.server.url}${path}`);

describe('HTTP boot server: iPXE scripts by MAC', () => {
  it('serves the chain script when iPXE asks without a MAC', async () => {
    const res = await get('/ipxe');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`#!ipxe\nchain --autofree ${h.server.url}/ipxe?mac=\${net0/mac}\n`);
    expect(h.events).toEqual([]);
  });

  it('serves the Talos script to a MAC with a Talos plan (any MAC spelling) and reports ipxe-served', async () => {
    h.plans.register(MAC_A, {
      kind: 'talos',
      jobId: 'job-a',
      assetId: 'asset-a',
      talos: { version: 'v1.9.5', configUrlToken: TOKEN_A },
    });
    const res = await get('/ipxe?mac=52-54-00-00-00-0A');
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toContain(`/artifacts/talos-v1.9.5-vmlinuz-amd64?mac=${MAC_A} talos.platform=metal`);
    expect(text).toContain(`talos.config=${h.server.url}/config/${TOKEN_A}?mac=${MAC_A}`);
    expect(h.events).toMatchObject([
      { type: 'ipxe-served', mac: MAC_A, assetId: 'asset-a', jobId: 'job-a', detail: 'talos' },
    ]);
    expect(Date.parse(h.events[0]?.at ?? '')).not.toBeNaN();
  });

  it('serves the utility script to a MAC with a utility plan', async () => {
    h.plans.register(MAC_A, { kind: 'utility', jobId: 'job-u', assetId: 'asset-a' });
    const text = await (await get(`/ipxe?mac=${MAC_A}`)).text();
    expect(text).toMatch(
      /^#!ipxe\nkernel http:\/\/127\.0\.0\.1:\d+\/artifacts\/utility-vmlinuz\?mac=52:54:00:00:00:0a .*rackpilot\.boot=utility/,
    );
    expect(h.events.map((e) => e.detail)).toEqual(['utility']);
  });

  it('tells a local-disk MAC and an unknown MAC to exit, reporting only the planned one', async () => {
    h.plans.register(MAC_A, { kind: 'local-disk', jobId: 'job-d', assetId: 'asset-a' });
    expect(await (await get(`/ipxe?mac=${MAC_A}`)).text()).toMatch(/\nexit\n$/);
    expect(await (await get(`/ipxe?mac=${MAC_B}`)).text()).toMatch(/\nexit\n$/);
    expect(h.events.map((e) => e.mac)).toEqual([MAC_A]);
  });

  it('answers 400 VALIDATION_FAILED to a malformed MAC', async () => {
    const res = await get('/ipxe?mac=%24%7Bnet0%2Fmac%7D');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('HTTP boot server: per-machine Talos config', () => {
  beforeEach(() => {
    h.plans.register(MAC_A, {
      kind: 'talos',
      jobId: 'job-a',
      assetId: 'asset-a',
      talos: { version: 'v1.9.5', configUrlToken: TOKEN_A },
    });
  });

  it('serves the config to its own MAC, fetching it on every request and reporting each fetch', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await get(`/config/${TOKEN_A}?mac=${MAC_A.toUpperCase()}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toBe(CONFIG_A);
    }
    expect(h.configFetches).toEqual(['asset-a', 'asset-a']);
    expect(h.events.filter((e) => e.type === 'config-fetched')).toHaveLength(2);
  });

  it('refuses the config to another MAC or no MAC with 403, without fetching it', async () => {
    expect((await get(`/config/${TOKEN_A}?mac=${MAC_B}`)).status).toBe(403);
    expect((await get(`/config/${TOKEN_A}`)).status).toBe(403);
    expect(h.configFetches).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('answers 404 to an unknown token and to the token of a removed plan', async () => {
    expect((await get(`/config/cfgtok_BBBBBBBBBBBBBBBBBBBBBBBB?mac=${MAC_A}`)).status).toBe(404);
    h.plans.remove(MAC_A);
    const res = await get(`/config/${TOKEN_A}?mac=${MAC_A}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('answers 500 INTERNAL with a request id, no stack, when the config cannot be fetched', async () => {
    h.plans.register(MAC_B, {
      kind: 'talos',
      jobId: 'job-b',
      assetId: 'asset-without-config',
      talos: { version: 'v1.9.5', configUrlToken: 'cfgtok_CCCCCCCCCCCCCCCCCCCCCCCC' },
    });
    const res = await get(`/config/cfgtok_CCCCCCCCCCCCCCCCCCCCCCCC?mac=${MAC_B}`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { code: string; details: { requestId: string } };
    expect(body.code).toBe('INTERNAL');
    expect(body.details.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain('at ');
    expect(h.events).toEqual([]);
  });

  it('never writes a config token into its logs', async () => {
    await get(`/config/${TOKEN_A}?mac=${MAC_A}`);
    await get(`/config/${TOKEN_A}?mac=${MAC_B}`);
    expect(h.logLines.length).toBeGreaterThan(0);
    expect(h.logLines.join('')).not.toContain(TOKEN_A);
    expect(h.logLines.join('')).toContain('/config/[redacted]');
  });
});

describe('HTTP boot server: artifacts', () => {
  it('serves a cached artifact byte for byte and reports it for the MAC that asked, once fully sent', async () => {
    const kernel = Buffer.alloc(300_000, 7);
    await writeArtifact(h.cacheDir, 'utility-vmlinuz', kernel);
    h.plans.register(MAC_A, { kind: 'utility', jobId: 'job-u', assetId: 'asset-a' });
    const res = await get(`/artifacts/utility-vmlinuz?mac=${MAC_A}`);
    expect(res.headers.get('content-length')).toBe(String(kernel.length));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(kernel);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.events).toMatchObject([{ type: 'artifact-served', mac: MAC_A, detail: 'utility-vmlinuz' }]);
  });

  it('answers 404 to a missing artifact and to names that try to leave the cache', async () => {
    expect((await get('/artifacts/nope')).status).toBe(404);
    expect((await get('/artifacts/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await get('/artifacts/.hidden')).status).toBe(404);
  });
});

describe('HTTP boot server: utility OS phone-home', () => {
  const hello = (body: unknown) =>
    fetch(`${h.server.url}/hello`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('accepts a hello with 202 and reports utility-ready with MAC, BMC and SSH address; refuses bad or unplanned ones', async () => {
    h.plans.register(MAC_A, { kind: 'utility', jobId: 'job-u', assetId: 'asset-a' });
    const res = await hello({ mac: '52-54-00-00-00-0A', bmcAddress: '127.20.0.3', sshAddress: '127.0.0.1:40022' });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 10));
    expect(h.events).toMatchObject([
      {
        type: 'utility-ready',
        mac: MAC_A,
        assetId: 'asset-a',
        jobId: 'job-u',
        bmcAddress: '127.20.0.3',
        address: '127.0.0.1:40022',
      },
    ]);

    expect((await hello({ mac: MAC_B, sshAddress: '127.0.0.1:22' })).status).toBe(404);
    const bad = await hello({ mac: 'not-a-mac', sshAddress: '127.0.0.1' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await hello({ mac: MAC_A, sshAddress: '127.0.0.1:70000' })).status).toBe(400);
    expect((await hello({ mac: MAC_A, sshAddress: '127.0.0.1:22', extra: 1 })).status).toBe(400);
    expect((await hello('{not json')).status).toBe(400);
    expect((await hello({ mac: MAC_A, sshAddress: '127.0.0.1:22', bmcAddress: 'x'.repeat(5000) })).status).toBe(400);
    expect(h.events).toHaveLength(1);
  });
});
