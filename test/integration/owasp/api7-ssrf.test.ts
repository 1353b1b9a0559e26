import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from '../api/harness.js';

/** Destinations a webhook could use to reach inside: IP literals only, so nothing is resolved or dialled. */
const FORBIDDEN = [
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://127.0.0.1:8080/api/v1/api-keys',
  'http://localhost/',
  'http://[::1]/',
  'http://0.0.0.0/',
  'http://10.0.0.1/',
  'http://172.16.5.4/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://[fe80::1]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[64:ff9b::a9fe:a9fe]/',
  'http://224.0.0.1/',
];

// OWASP API7:2023 Server Side Request Forgery via webhook URLs (api/webhooks/egress-guard.ts).
// Only IP literals and `localhost`, checked when saved; no request leaves the process. Host names
// resolved at delivery, every address checked and the socket pinned to it:
// api/webhooks/egress-guard.test.ts; redirects never followed: webhooks.test.ts "never follows a
// redirect (it would bypass the egress guard) and bounds each attempt by the timeout".
describe('OWASP API7 SSRF through webhooks', () => {
  const h = new ApiHarness();
  let strict: TestApi;
  let lab: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('owasp_ssrf');
    strict = await h.start();
    lab = await h.start({ env: { RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' } });
    org = await h.organization(strict, 'Egress');
  });
  afterAll(() => h.finish(strict));

  const create = (api: TestApi, url: string) =>
    api.request('POST', '/api/v1/webhooks', { key: org.adminKey, body: { url, enabled: false } });

  it('refuses loopback, link-local (cloud metadata), private, CGNAT, multicast and embedded-IPv4 destinations', async () => {
    for (const url of FORBIDDEN) {
      const res = await create(strict, url);
      expect({ url, status: res.status, code: res.body.code }).toEqual({
        url,
        status: 400,
        code: 'WEBHOOK_DESTINATION_FORBIDDEN',
      });
    }
    expect((await strict.request('GET', '/api/v1/webhooks', { key: org.adminKey })).body.total).toBe(0);
  });

  it('refuses them on PATCH too, and allows only the configured networks (metadata stays refused)', async () => {
    const allowed = await create(lab, 'http://127.0.0.1:1/hook');
    expect(allowed.status, allowed.text).toBe(201);
    h.secrets.add(allowed.body.secret);
    for (const url of ['http://169.254.169.254/', 'http://10.1.2.3/', 'http://[::1]/']) {
      const res = await lab.request('PATCH', `/api/v1/webhooks/${allowed.body.id}`, {
        key: org.adminKey,
        body: { url },
      });
      expect({ url, status: res.status, code: res.body.code }).toEqual({
        url,
        status: 400,
        code: 'WEBHOOK_DESTINATION_FORBIDDEN',
      });
    }
    expect((await create(strict, 'http://127.0.0.1:1/hook')).status, 'not allowed without the setting').toBe(400);
  });

  it('refuses other schemes and credentials in the URL', async () => {
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:25/', 'ftp://127.0.0.1/', 'http://u:p@127.0.0.1/']) {
      const res = await create(lab, url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
  });
});
