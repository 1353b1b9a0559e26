import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentMetrics, serveMetrics } from '../metrics.js';
import { bootEventForwarder, toAgentEvent } from './boot-event-forwarder.js';
import { loadCredential, saveCredential } from './credential-store.js';
import { ensureSshKey } from './ssh-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-agent-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agent credential store', () => {
  it('saves the credential 0600 and reads it back; no file means not enrolled', async () => {
    const path = join(dir, 'nested', 'credential.json');
    expect(await loadCredential(path)).toBeUndefined();
    await saveCredential(path, { agentId: 'ag1', siteId: 's1', apiKey: 'rpa_x' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadCredential(path)).toEqual({ agentId: 'ag1', siteId: 's1', apiKey: 'rpa_x' });
  });

  it('refuses a malformed credential file instead of enrolling again', async () => {
    const path = join(dir, 'credential.json');
    await writeFile(path, '{"apiKey": 1}');
    await expect(loadCredential(path)).rejects.toThrow(/not a saved credential/);
  });
});

describe('agent SSH key', () => {
  it('generates an ed25519 key 0600 on first start and reuses it afterwards', async () => {
    const path = join(dir, 'ssh', 'id_ed25519');
    const first = await ensureSshKey(path);
    expect(first.generated).toBe(true);
    expect(first.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=* rackpilot-agent$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(`${path}.pub`, 'utf8')).split(' ')[1]).toBe(first.publicKey.split(' ')[1]);
    const second = await ensureSshKey(path);
    expect(second).toMatchObject({ generated: false, publicKey: first.publicKey, privateKey: first.privateKey });
  });
});

describe('boot event forwarding', () => {
  const event = { mac: 'b4:96:91:a1:b2:c0', assetId: 'a1', jobId: 'j1', at: '2025-01-01T00:00:00.000Z' };

  it('forwards iPXE and config events in the wire shape, and drops artifact downloads', async () => {
    expect(toAgentEvent({ ...event, type: 'config-fetched' })).toEqual({
      type: 'config-fetched',
      mac: event.mac,
      at: event.at,
    });
    expect(
      toAgentEvent({ ...event, type: 'utility-ready', bmcAddress: '127.20.0.2', address: '127.0.0.1:2222' }),
    ).toMatchObject({ type: 'utility-ready', bmcAddress: '127.20.0.2', address: '127.0.0.1:2222' });
    expect(toAgentEvent({ ...event, type: 'artifact-served', detail: 'kernel' })).toBeNull();
  });

  it('queues the events the API needs and only those, without waiting for their delivery', async () => {
    const queued: unknown[] = [];
    const sink = bootEventForwarder({ enqueue: (e) => void queued.push(e) });
    await expect(sink({ ...event, type: 'ipxe-served' })).resolves.toBeUndefined();
    await sink({ ...event, type: 'artifact-served', detail: 'kernel' });
    expect(queued).toEqual([{ type: 'ipxe-served', mac: event.mac, at: event.at }]);
  });
});

describe('agent metrics', () => {
  it('serves job counters on loopback /metrics', async () => {
    const metrics = createAgentMetrics();
    metrics.jobs.inc({ kind: 'bmc.power', outcome: 'completed' });
    const server = await serveMetrics(metrics.registry, 0);
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(text).toContain('rackpilot_agent_jobs_total{kind="bmc.power",outcome="completed"} 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
