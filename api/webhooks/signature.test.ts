import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signPayload, verifySignature } from './signature.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret-0123456789';
  const body = '{"id":"evt_1","type":"asset.state_changed"}';

  it('are HMAC-SHA256 of "<t>.<body>" in hex, with the unix time in seconds', () => {
    const header = signPayload(secret, body, 1_700_000_000.9);
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verify for the right secret, body and time only', () => {
    const header = signPayload(secret, body, 1_700_000_000);
    expect(verifySignature(secret, body, header, 1_700_000_100)).toBe(true);
    expect(verifySignature('whsec_other', body, header, 1_700_000_100)).toBe(false);
    expect(verifySignature(secret, `${body} `, header, 1_700_000_100)).toBe(false);
    expect(verifySignature(secret, body, header, 1_700_000_000 + 301)).toBe(false);
    expect(verifySignature(secret, body, header.replace('t=1700000000', 't=1700000001'), 1_700_000_000)).toBe(false);
    expect(verifySignature(secret, body, 'v1=abc', 1_700_000_000)).toBe(false);
  });

  it('generate 256-bit secrets without underscores after the prefix', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
