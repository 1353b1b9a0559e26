import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoUri } from '../../support/services.js';
import { ApiHarness, type TestApi } from './harness.js';

describe('health, readiness, version and metrics', () => {
  const h = new ApiHarness();
  let api: TestApi;

  beforeAll(async () => {
    await h.open('api_health');
    api = await h.start({ env: { RACKPILOT_GIT_COMMIT: 'abcdef1234567' } });
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  it('/healthz answers while the process is up', async () => {
    expect((await api.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the real MongoDB-protocol and Temporal servers answer', async () => {
    const res = await api.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { mongodb: { ok: true }, temporal: { ok: true } } });
  });

  it('/readyz is 503 naming Temporal when it is unreachable, within the timeout', async () => {
    const noTemporal = await h.start({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1', RACKPILOT_READY_TIMEOUT_MS: '700' } });
    const started = Date.now();
    const res = await noTemporal.request('GET', '/readyz');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unavailable');
    expect(res.body.checks.mongodb).toEqual({ ok: true });
    expect(res.body.checks.temporal).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it('/readyz is 503 naming MongoDB when the database does not answer', async () => {
    const client = await MongoClient.connect(mongoUri());
    await client.close();
    const noMongo = await h.start({
      db: client.db('gone'),
      skipIndexes: true,
      env: { RACKPILOT_READY_TIMEOUT_MS: '700' },
    });
    const res = await noMongo.request('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks.mongodb.ok).toBe(false);
    expect(res.body.checks.temporal).toEqual({ ok: true });
  });

  it('/version reports the package version and the configured commit', async () => {
    expect((await api.request('GET', '/version')).body).toEqual({
      name: 'rackpilot-api',
      version: '0.1.0',
      commit: 'abcdef1234567',
    });
    const fromGit = await h.start();
    expect((await fromGit.request('GET', '/version')).body.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
  });

  it('/metrics counts requests and latency by route template and status', async () => {
    await api.request('GET', '/api/v1/api-keys/abcdefabcdef');
    await api.request('GET', '/nowhere/at/all');
    const res = await api.request('GET', '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /rackpilot_http_requests_total\{method="GET",route="\/api\/v1\/api-keys\/:id",status="401"\} 1/,
    );
    expect(res.text).toMatch(/rackpilot_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(res.text).toMatch(
      /rackpilot_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/healthz",status="200"\}/,
    );
    expect(res.text).not.toContain('abcdefabcdef');
  });
});
